package io.vfleet.agent.grpc;

import io.grpc.stub.StreamObserver;
import io.micrometer.core.instrument.MeterRegistry;
import io.vfleet.agent.kernel.HostKernel;
import io.vfleet.agent.kernel.Syscall;
import io.vfleet.api.agent.v1.CloseRequest;
import io.vfleet.api.agent.v1.CloseResponse;
import io.vfleet.api.agent.v1.ExitRequest;
import io.vfleet.api.agent.v1.ExitResponse;
import io.vfleet.api.agent.v1.IoctlRequest;
import io.vfleet.api.agent.v1.IoctlResponse;
import io.vfleet.api.agent.v1.MmapRequest;
import io.vfleet.api.agent.v1.MmapResponse;
import io.vfleet.api.agent.v1.MunmapRequest;
import io.vfleet.api.agent.v1.MunmapResponse;
import io.vfleet.api.agent.v1.OpenRequest;
import io.vfleet.api.agent.v1.OpenResponse;
import io.vfleet.api.agent.v1.SpawnRequest;
import io.vfleet.api.agent.v1.SpawnResponse;
import io.vfleet.api.agent.v1.SyscallsGrpc;
import io.vfleet.engine.KernelException;
import io.vfleet.engine.process.Capability;
import io.vfleet.engine.process.ProcessSpec;
import io.vfleet.engine.uapi.Ioctl;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * The {@code Syscalls} service: each RPC is one system call on the agent's host. Messages become the
 * engine's calls bit for bit ({@link IoctlMessages}); a kernel refusal becomes a status with the
 * errno ({@link KernelStatus}). Who may call in which process is {@link SyscallsAccess}'s grant: a
 * call outside it is refused as the kernel refuses a VMM confined to its own process and devices.
 *
 * <p>A call that changed state is answered at once and written to disk within the snapshot delay
 * ({@code vfleet.agent.snapshot-delay}, 100 ms by default), one snapshot for every call of that
 * interval. A restart (the agent stopping as asked) loses nothing: stopping writes the last
 * snapshot. A crash of the agent process loses the calls answered since the last snapshot that
 * was complete (at most a delay and one write back), and only those: the state restored is the
 * host as it was between two calls, never a mix. That is accepted because a
 * host's kernel state does not outlive the kernel either, and what the agent serves is that
 * kernel: a VMM whose system calls were lost with the agent is in the place of one whose kernel
 * crashed, and it has lost its connection too. Node operations (Prepare, Release, HotReset) do
 * write before they answer, since the assignment table written after them must never be ahead of
 * the kernel state.
 *
 * <p>Why not write before every answer (a delay of zero): that costs a whole-host encoding and two
 * fsyncs per call, about twenty times the call itself with 8 GPUs prepared. And why 100 ms: the
 * encoding holds the host's lock for milliseconds (about 3 ms of CPU with 8 prepared GPUs), which
 * under a steady stream of calls every 20 ms took up to a third of the Ioctl rate on a busy two-core
 * machine, and every 100 ms takes little.
 */
public final class SyscallsService extends SyscallsGrpc.SyscallsImplBase {
    /** RLIMIT_MEMLOCK a login gets on Linux since 5.16, for a Spawn that names none. */
    static final long DEFAULT_MEMLOCK_BYTES = 8L << 20;

    private final HostKernel host;
    private final MeterRegistry meters;

    public SyscallsService(HostKernel host, MeterRegistry meters) {
        this.host = host;
        this.meters = meters;
    }

    @Override
    public void spawn(SpawnRequest request, StreamObserver<SpawnResponse> response) {
        answer(response, () -> {
            SyscallsAccess.scope().ifPresent(scope -> {
                throw scope.spawnRefused();
            });
            return new Syscall.Spawn(processSpec(request));
        },
                pid -> SpawnResponse.newBuilder().setPid(pid).build());
    }

    @Override
    public void exit(ExitRequest request, StreamObserver<ExitResponse> response) {
        answer(response, () -> new Syscall.Exit(own(request.getPid())), done -> ExitResponse.getDefaultInstance());
    }

    @Override
    public void mmap(MmapRequest request, StreamObserver<MmapResponse> response) {
        answer(response, () -> new Syscall.Mmap(own(request.getPid()), request.getLength(), request.getProt()),
                address -> MmapResponse.newBuilder().setAddr(address).build());
    }

    @Override
    public void munmap(MunmapRequest request, StreamObserver<MunmapResponse> response) {
        answer(response, () -> new Syscall.Munmap(own(request.getPid()), request.getAddr(), request.getLength()),
                done -> MunmapResponse.getDefaultInstance());
    }

    @Override
    public void open(OpenRequest request, StreamObserver<OpenResponse> response) {
        answer(response, () -> {
            int pid = own(request.getPid());
            SyscallsAccess.scope().ifPresent(scope -> scope.requireOpenable(request.getPath()));
            return new Syscall.Open(pid, request.getPath(), request.getFlags());
        },
                fd -> OpenResponse.newBuilder().setFd(fd).build());
    }

    @Override
    public void close(CloseRequest request, StreamObserver<CloseResponse> response) {
        answer(response, () -> new Syscall.Close(own(request.getPid()), request.getFd()),
                done -> CloseResponse.getDefaultInstance());
    }

    @Override
    public void ioctl(IoctlRequest request, StreamObserver<IoctlResponse> response) {
        IoctlRequest.RequestCase ioctl = request.getRequestCase();
        try {
            Ioctl<?> engineRequest = IoctlMessages.toEngine(request);
            answer(response, () -> new Syscall.IoctlCall<>(own(request.getPid()), request.getFd(), engineRequest),
                    reply -> IoctlMessages.toWire(ioctl, reply));
        } catch (KernelException refused) {
            response.onError(KernelStatus.of(refused.errno(), refused.getMessage(), Map.of(), null));
        } catch (io.grpc.StatusRuntimeException invalid) {
            response.onError(invalid);
        }
    }

    /**
     * Makes the call {@code request} builds, has it saved if it may have changed state, and answers with
     * {@code reply} of its result or with the refusal. A partial reply the kernel wrote before
     * failing travels in the status details, translated by {@code reply} like a whole one.
     */
    private <R, M> void answer(StreamObserver<M> response, java.util.function.Supplier<Syscall<R>> request,
            Function<R, ? extends com.google.protobuf.Message> reply) {
        Syscall<R> call;
        try {
            call = request.get();
        } catch (io.grpc.StatusRuntimeException invalid) {
            response.onError(invalid);
            return;
        } catch (KernelException outOfScope) {
            response.onError(KernelStatus.of(outOfScope.errno(), outOfScope.getMessage(), Map.of(), null));
            return;
        }
        R result;
        try {
            result = host.call(call);
        } catch (KernelException refused) {
            countRefusal(call, refused);
            // The snapshot writer knows whether anything changed since its last write; a pure read writes nothing.
            host.saveWithinDelay();
            com.google.protobuf.Message partial = null;
            if (refused.partialReply() != null) {
                partial = reply.apply(castReply(refused.partialReply()));
            }
            response.onError(KernelStatus.of(refused.errno(), refused.getMessage(), Map.of(), partial));
            return;
        }
        host.saveWithinDelay();
        @SuppressWarnings("unchecked")
        M message = (M) reply.apply(result);
        response.onNext(message);
        response.onCompleted();
    }

    /**
     * {@code pid}, when the caller may name it: an assignment's credential reaches its VMM process only,
     * and any other pid does not exist for it (ESRCH), exited, another assignment's or never used alike.
     */
    private static int own(int pid) {
        SyscallsAccess.scope().ifPresent(scope -> scope.requireOwn(pid));
        return pid;
    }

    /** vfleet_agent_syscall_errors_total{call, errno}: what the kernel refused, for dashboards and alerts. */
    private void countRefusal(Syscall<?> call, KernelException refused) {
        String name = call instanceof Syscall.IoctlCall<?> ioctl
                ? ioctl.request().getClass().getSimpleName()
                : call.getClass().getSimpleName();
        meters.counter("vfleet.agent.syscall.errors", "call", name, "errno", refused.errno().name()).increment();
    }

    @SuppressWarnings("unchecked")
    private static <R> R castReply(Object partial) {
        return (R) partial;
    }

    private static ProcessSpec processSpec(SpawnRequest request) {
        if (request.getName().isBlank()) {
            throw KernelStatus.invalidField("name", "a process needs a name");
        }
        if (request.getUid() < 0) {
            throw KernelStatus.invalidField("uid", Integer.toUnsignedString(request.getUid()) + " is above 2^31-1");
        }
        Set<Capability> capabilities = EnumSet.noneOf(Capability.class);
        for (var capability : request.getCapabilitiesList()) {
            capabilities.add(switch (capability) {
                case CAPABILITY_SYS_RAWIO -> Capability.CAP_SYS_RAWIO;
                case CAPABILITY_IPC_LOCK -> Capability.CAP_IPC_LOCK;
                case CAPABILITY_SYS_RESOURCE -> Capability.CAP_SYS_RESOURCE;
                case CAPABILITY_UNSPECIFIED, UNRECOGNIZED -> throw KernelStatus.invalidField("capabilities",
                        "unknown capability " + capability);
            });
        }
        long memlock = DEFAULT_MEMLOCK_BYTES;
        if (request.hasMemlockLimitBytes()) {
            // Above 2^63-1 bytes there is no memory to lock: as good as RLIM_INFINITY (2^64-1).
            memlock = request.getMemlockLimitBytes() < 0 ? ProcessSpec.UNLIMITED : request.getMemlockLimitBytes();
        }
        return new ProcessSpec(request.getName(), request.getUid(), capabilities, memlock);
    }
}
