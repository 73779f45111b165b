package io.vfleet.lab;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.TextFormat;
import com.google.rpc.ErrorInfo;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import io.vfleet.api.agent.v1.Capability;
import io.vfleet.api.agent.v1.CloseRequest;
import io.vfleet.api.agent.v1.ExitRequest;
import io.vfleet.api.agent.v1.IoctlRequest;
import io.vfleet.api.agent.v1.IoctlResponse;
import io.vfleet.api.agent.v1.MmapRequest;
import io.vfleet.api.agent.v1.MunmapRequest;
import io.vfleet.api.agent.v1.OpenRequest;
import io.vfleet.api.agent.v1.SpawnRequest;
import io.vfleet.api.agent.v1.SyscallsGrpc;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * A VMM's system calls through one agent's {@code Syscalls}, each written to a transcript as what was
 * asked and what the kernel answered: the reply's fields, or the errno and what the failed call still
 * wrote. The same scenario against two agents agrees when the transcripts are equal. Addresses that
 * differ by construction (where mmap placed memory) are not written, only whether the call succeeded.
 */
final class Caller {
    private final SyscallsGrpc.SyscallsBlockingStub syscalls;
    private final List<String> transcript = new ArrayList<>();
    private final java.util.Map<Integer, Integer> processes = new java.util.HashMap<>();
    private final List<long[]> memory = new ArrayList<>();

    Caller(SyscallsGrpc.SyscallsBlockingStub syscalls) {
        this.syscalls = syscalls;
    }

    List<String> transcript() {
        return List.copyOf(transcript);
    }

    /** A process of uid 0 with no capabilities and no memlock limit. */
    int spawn(String name) {
        return spawn(name, 0, List.of(), -1L);
    }

    int spawn(String name, int uid, List<Capability> capabilities, long memlockLimitBytes) {
        SpawnRequest.Builder request = SpawnRequest.newBuilder().setName(name).setUid(uid).addAllCapabilities(capabilities)
                .setMemlockLimitBytes(memlockLimitBytes);
        int pid = syscalls.spawn(request.build()).getPid();
        // Processes are written by their order in the scenario: the lab's agent numbers pids on across
        // scenarios, a fresh engine starts again.
        processes.put(pid, processes.size() + 1);
        transcript.add("spawn " + name + " uid " + uid + " " + capabilities + " memlock " + memlockLimitBytes
                + " = process " + processes.get(pid));
        return pid;
    }

    void exit(int pid) {
        syscalls.exit(ExitRequest.newBuilder().setPid(pid).build());
        transcript.add("exit process " + processes.get(pid));
    }

    long mmap(int pid, long length, int prot) {
        long address = syscalls.mmap(MmapRequest.newBuilder().setPid(pid).setLength(length).setProt(prot).build()).getAddr();
        memory.add(new long[] {address, length});
        transcript.add("mmap " + length + " prot " + prot + " = mapping " + memory.size());
        return address;
    }

    void munmap(int pid, long address, long length) {
        syscalls.munmap(MunmapRequest.newBuilder().setPid(pid).setAddr(address).setLength(length).build());
        transcript.add("munmap " + length + " = ok");
    }

    /** open(2): the fd, or -1 with the errno in the transcript. */
    int open(int pid, String path) {
        try {
            int fd = syscalls.open(OpenRequest.newBuilder().setPid(pid).setPath(path).setFlags(2).build()).getFd();
            transcript.add("open " + path + " = fd " + fd);
            return fd;
        } catch (StatusRuntimeException refused) {
            transcript.add("open " + path + " = " + errno(refused));
            return -1;
        }
    }

    void close(int pid, int fd) {
        try {
            syscalls.close(CloseRequest.newBuilder().setPid(pid).setFd(fd).build());
            transcript.add("close " + fd + " = ok");
        } catch (StatusRuntimeException refused) {
            transcript.add("close " + fd + " = " + errno(refused));
        }
    }

    /** ioctl(2) with the request {@code request} fills in: the response, or null with the errno in the transcript. */
    IoctlResponse ioctl(int pid, int fd, UnaryOperator<IoctlRequest.Builder> request) {
        IoctlRequest built = request.apply(IoctlRequest.newBuilder().setPid(pid).setFd(fd)).build();
        String asked = "ioctl " + fd + " " + withoutAddresses(TextFormat.printer().emittingSingleLine(true)
                .printToString(built.toBuilder().clearPid().clearFd().build()).strip());
        try {
            IoctlResponse response = syscalls.ioctl(built);
            transcript.add(asked + " = " + TextFormat.printer().emittingSingleLine(true).printToString(response).strip());
            return response;
        } catch (StatusRuntimeException refused) {
            transcript.add(asked + " = " + errno(refused));
            return null;
        }
    }

    /** User addresses differ between kernels by construction: each is written as its mapping and offset. */
    private String withoutAddresses(String text) {
        java.util.regex.Matcher number = java.util.regex.Pattern.compile("\\b\\d{9,}\\b").matcher(text);
        StringBuilder out = new StringBuilder();
        while (number.find()) {
            long value = Long.parseUnsignedLong(number.group());
            String replacement = number.group();
            for (int index = 0; index < memory.size(); index++) {
                long[] mapping = memory.get(index);
                if (value >= mapping[0] && value - mapping[0] <= mapping[1]) {
                    replacement = "mapping" + (index + 1) + "+" + (value - mapping[0]);
                }
            }
            number.appendReplacement(out, replacement);
        }
        return number.appendTail(out).toString();
    }

    /** The errno name, and what the failed call still wrote, if it did. */
    static String errno(StatusRuntimeException refused) {
        com.google.rpc.Status status = StatusProto.fromThrowable(refused);
        if (status == null) {
            return "status " + refused.getStatus().getCode();
        }
        String errno = "status " + refused.getStatus().getCode();
        StringBuilder partial = new StringBuilder();
        for (Any detail : status.getDetailsList()) {
            try {
                if (detail.is(ErrorInfo.class)) {
                    errno = detail.unpack(ErrorInfo.class).getReason();
                } else {
                    Message message = detail.unpack(partialType(detail));
                    partial.append(" wrote ").append(TextFormat.printer().emittingSingleLine(true).printToString(message).strip());
                }
            } catch (InvalidProtocolBufferException | ClassNotFoundException e) {
                partial.append(" wrote ").append(detail.getTypeUrl());
            }
        }
        return errno + partial;
    }

    @SuppressWarnings("unchecked")
    private static Class<? extends Message> partialType(Any detail) throws ClassNotFoundException {
        String type = detail.getTypeUrl().substring(detail.getTypeUrl().lastIndexOf('/') + 1);
        String simple = type.substring(type.lastIndexOf('.') + 1);
        return (Class<? extends Message>) Class.forName("io.vfleet.api.agent.v1." + simple);
    }
}
