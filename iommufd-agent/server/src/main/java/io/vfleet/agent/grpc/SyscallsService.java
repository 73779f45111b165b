package io.vfleet.agent.grpc;

import io.grpc.stub.StreamObserver;
import io.micrometer.core.instrument.MeterRegistry;
import io.vfleet.agent.kernel.HostKernel;
import io.vfleet.agent.kernel.Syscall;
import io.vfleet.agent.messages.InvalidMessage;
import io.vfleet.agent.messages.IoctlMessages;
import io.vfleet.agent.messages.ProcessMessages;
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
import io.vfleet.engine.process.ProcessSpec;
import io.vfleet.engine.uapi.Ioctl;
import java.util.Map;
import java.util.function.Function;

/**
 * The {@code Syscalls} service: each RPC is one system call on the agent's host. Messages become the
 * engine's calls bit for bit ({@link IoctlMessages}); a kernel refusal becomes a status with the
 * errno ({@link KernelStatus}). Who may call in which process is {@link SyscallsAccess}'s grant: a
 * call outside it is refused as the kernel refuses a VMM confined to its own process and devices.
 * What a call changed is recorded in the agent's journal as it is made, and its answer, success or
 * refusal, is sent once that is on disk ({@link DurableReplies}), so a crash right after an answer
 * never loses the call.
 */
public final class SyscallsService extends SyscallsGrpc.SyscallsImplBase {
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
        if (ioctl == IoctlRequest.RequestCase.REQUEST_NOT_SET) {
            response.onError(KernelStatus.invalidField("request", "no ioctl is set in the oneof"));
            return;
        }
        try {
            Ioctl<?> engineRequest = IoctlMessages.toEngine(request);
            answer(response, () -> new Syscall.IoctlCall<>(own(request.getPid()), request.getFd(), engineRequest),
                    reply -> IoctlMessages.toWire(ioctl, reply));
        } catch (KernelException refused) {
            response.onError(KernelStatus.of(refused.errno(), refused.getMessage(), Map.of(), null));
        }
    }

    /**
     * Makes the call {@code request} builds and answers with {@code reply} of its result or with the
     * refusal. A partial reply the kernel wrote before failing travels in the status details,
     * translated by {@code reply} like a whole one.
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
            com.google.protobuf.Message partial = null;
            if (refused.partialReply() != null) {
                partial = reply.apply(castReply(refused.partialReply()));
            }
            response.onError(KernelStatus.of(refused.errno(), refused.getMessage(), Map.of(), partial));
            return;
        }
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

    // The partial reply is the ioctl's own reply type, which the request's record ties to it but javac cannot see.
    @SuppressWarnings({"unchecked", "TypeParameterUnusedInFormals"})
    private static <R> R castReply(Object partial) {
        return (R) partial;
    }

    private static ProcessSpec processSpec(SpawnRequest request) {
        try {
            return ProcessMessages.toEngine(request);
        } catch (InvalidMessage invalid) {
            throw KernelStatus.invalidField(invalid.field(), invalid.reason());
        }
    }
}
