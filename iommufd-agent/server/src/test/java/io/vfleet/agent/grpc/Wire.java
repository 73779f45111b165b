package io.vfleet.agent.grpc;

import io.vfleet.api.agent.v1.Capability;
import io.vfleet.api.agent.v1.IoctlRequest;
import io.vfleet.api.agent.v1.IoctlResponse;
import io.vfleet.api.agent.v1.OpenRequest;
import io.vfleet.api.agent.v1.SpawnRequest;
import io.vfleet.api.agent.v1.SyscallsGrpc;

/** A process on the wire: syscalls as one-line calls, so sequences read like the C they mirror. */
final class Wire {
    private final SyscallsGrpc.SyscallsBlockingStub syscalls;
    final int pid;

    private Wire(SyscallsGrpc.SyscallsBlockingStub syscalls, int pid) {
        this.syscalls = syscalls;
        this.pid = pid;
    }

    static Wire spawn(SyscallsGrpc.SyscallsBlockingStub syscalls, String name) {
        int pid = syscalls.spawn(SpawnRequest.newBuilder().setName(name).setUid(107)
                .addCapabilities(Capability.CAPABILITY_IPC_LOCK).setMemlockLimitBytes(-1L).build()).getPid();
        return new Wire(syscalls, pid);
    }

    int open(String path) {
        return syscalls.open(OpenRequest.newBuilder().setPid(pid).setPath(path).setFlags(2).build()).getFd();
    }

    IoctlResponse ioctl(int fd, IoctlRequest.Builder request) {
        return syscalls.ioctl(request.setPid(pid).setFd(fd).build());
    }

    static IoctlRequest.Builder request() {
        return IoctlRequest.newBuilder();
    }
}
