package io.vfleet.agent.state;

import io.vfleet.agent.messages.IoctlMessages;
import io.vfleet.agent.messages.ProcessMessages;
import io.vfleet.agent.state.v1.AccessPin;
import io.vfleet.agent.state.v1.AccessUnpin;
import io.vfleet.agent.state.v1.IoctlCall;
import io.vfleet.agent.state.v1.KernelCall;
import io.vfleet.agent.state.v1.MmapCall;
import io.vfleet.agent.state.v1.OpenCall;
import io.vfleet.agent.state.v1.SpawnCall;
import io.vfleet.agent.state.v1.VmCreated;
import io.vfleet.api.agent.v1.CloseRequest;
import io.vfleet.api.agent.v1.ExitRequest;
import io.vfleet.api.agent.v1.IoctlRequest;
import io.vfleet.api.agent.v1.MmapRequest;
import io.vfleet.api.agent.v1.MunmapRequest;
import io.vfleet.api.agent.v1.OpenRequest;
import io.vfleet.engine.Errno;
import io.vfleet.engine.JournalEntry;
import io.vfleet.engine.KernelException;
import io.vfleet.engine.iommufd.IommufdAccess;

/**
 * The engine's journal entries as {@code KernelCall} messages and back: each call in the messages of
 * the kernel's user API ({@link IoctlMessages}, {@link ProcessMessages}), with what it answered.
 * Decoding gives back an equal entry; a message that does not describe one is an
 * IllegalArgumentException saying which field and why.
 */
final class KernelCalls {
    private KernelCalls() {
    }

    static KernelCall encode(JournalEntry entry) {
        KernelCall.Builder call = KernelCall.newBuilder();
        switch (entry) {
            case JournalEntry.Spawn spawn -> call.setSpawn(SpawnCall.newBuilder()
                    .setRequest(ProcessMessages.toWire(spawn.spec())).setPid(spawn.pid()));
            case JournalEntry.Exit exit -> call.setExit(ExitRequest.newBuilder().setPid(exit.pid()));
            case JournalEntry.Mmap mmap -> call.setMmap(MmapCall.newBuilder()
                    .setRequest(MmapRequest.newBuilder().setPid(mmap.pid()).setLength(mmap.length()).setProt(mmap.prot()))
                    .setAddr(mmap.address()));
            case JournalEntry.Munmap munmap -> call.setMunmap(MunmapRequest.newBuilder().setPid(munmap.pid())
                    .setAddr(munmap.address()).setLength(munmap.length()));
            case JournalEntry.Open open -> call.setOpen(OpenCall.newBuilder()
                    .setRequest(OpenRequest.newBuilder().setPid(open.pid()).setPath(open.path()).setFlags(open.flags()))
                    .setFd(open.fd()));
            case JournalEntry.Close close -> call.setClose(CloseRequest.newBuilder().setPid(close.pid()).setFd(close.fd()));
            case JournalEntry.IoctlCall ioctl -> call.setIoctl(ioctl(ioctl));
            case JournalEntry.AccessPin pin -> call.setAccessPin(AccessPin.newBuilder().setPid(pin.pid())
                    .setDeviceFd(pin.deviceFd()).setIova(pin.pin().iova()).setLength(pin.pin().length())
                    .setWrite(pin.pin().write()));
            case JournalEntry.AccessUnpin unpin -> call.setAccessUnpin(AccessUnpin.newBuilder().setPid(unpin.pid())
                    .setDeviceFd(unpin.deviceFd()).setIova(unpin.iova()).setLength(unpin.length()));
        }
        return call.build();
    }

    private static IoctlCall ioctl(JournalEntry.IoctlCall call) {
        IoctlRequest request = IoctlMessages.toWire(call.request()).setPid(call.pid()).setFd(call.fd()).build();
        IoctlCall.Builder message = IoctlCall.newBuilder().setRequest(request);
        switch (call.outcome()) {
            case JournalEntry.Replied replied -> message.setReply(IoctlMessages.toWire(request.getRequestCase(), replied.reply()));
            case JournalEntry.VmCreated created -> message.setVmCreated(VmCreated.newBuilder().setFd(created.fd())
                    .setVmId(created.vmId()));
            case JournalEntry.Failed failed -> message.setFailedErrno(failed.errno().number());
        }
        return message.build();
    }

    static JournalEntry decode(KernelCall call) {
        return switch (call.getCallCase()) {
            case SPAWN -> {
                SpawnCall spawn = call.getSpawn();
                if (!spawn.getRequest().hasMemlockLimitBytes()) {
                    throw new IllegalArgumentException("spawn.request.memlock_limit_bytes: missing; a recorded spawn names the limit");
                }
                yield new JournalEntry.Spawn(spawn.getPid(), ProcessMessages.toEngine(spawn.getRequest()));
            }
            case EXIT -> new JournalEntry.Exit(call.getExit().getPid());
            case MMAP -> {
                MmapRequest request = call.getMmap().getRequest();
                yield new JournalEntry.Mmap(request.getPid(), request.getLength(), request.getProt(), call.getMmap().getAddr());
            }
            case MUNMAP -> new JournalEntry.Munmap(call.getMunmap().getPid(), call.getMunmap().getAddr(),
                    call.getMunmap().getLength());
            case OPEN -> {
                OpenRequest request = call.getOpen().getRequest();
                yield new JournalEntry.Open(request.getPid(), request.getPath(), request.getFlags(), call.getOpen().getFd());
            }
            case CLOSE -> new JournalEntry.Close(call.getClose().getPid(), call.getClose().getFd());
            case IOCTL -> ioctl(call.getIoctl());
            case ACCESS_PIN -> {
                AccessPin pin = call.getAccessPin();
                yield new JournalEntry.AccessPin(pin.getPid(), pin.getDeviceFd(),
                        new IommufdAccess.Pin(pin.getIova(), pin.getLength(), pin.getWrite()));
            }
            case ACCESS_UNPIN -> {
                AccessUnpin unpin = call.getAccessUnpin();
                yield new JournalEntry.AccessUnpin(unpin.getPid(), unpin.getDeviceFd(), unpin.getIova(), unpin.getLength());
            }
            case CALL_NOT_SET -> throw new IllegalArgumentException("call: no system call is set in the oneof");
        };
    }

    private static JournalEntry ioctl(IoctlCall call) {
        IoctlRequest request = call.getRequest();
        var engineRequest = request(request);
        JournalEntry.Outcome outcome = switch (call.getOutcomeCase()) {
            case REPLY -> {
                if (call.getReply().getReplyCase().getNumber() != request.getRequestCase().getNumber()) {
                    throw new IllegalArgumentException("ioctl.reply: a " + call.getReply().getReplyCase() + " reply to a "
                            + request.getRequestCase() + " request");
                }
                yield new JournalEntry.Replied(IoctlMessages.toEngine(call.getReply()));
            }
            case VM_CREATED -> new JournalEntry.VmCreated(call.getVmCreated().getFd(), call.getVmCreated().getVmId());
            case FAILED_ERRNO -> new JournalEntry.Failed(Errno.ofNumber(call.getFailedErrno()));
            case OUTCOME_NOT_SET -> throw new IllegalArgumentException("ioctl.outcome: neither a reply nor a failure is set");
        };
        return new JournalEntry.IoctlCall(request.getPid(), request.getFd(), engineRequest, outcome);
    }

    private static io.vfleet.engine.uapi.Ioctl<?> request(IoctlRequest request) {
        try {
            return IoctlMessages.toEngine(request);
        } catch (KernelException invalid) {
            throw new IllegalArgumentException("ioctl.request: " + invalid.getMessage(), invalid);
        }
    }
}
