package io.vfleet.agent.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.rpc.ErrorInfo;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import io.vfleet.agent.AgentHosts;
import io.vfleet.agent.TestAgent;
import io.vfleet.agent.state.AgentHost;
import io.vfleet.agent.vmm.Checkpoints;
import io.vfleet.agent.vmm.HotResetOrder;
import io.vfleet.agent.vmm.PrepareOrder;
import io.vfleet.agent.vmm.Prepared;
import io.vfleet.agent.vmm.Preparations;
import io.vfleet.api.agent.v1.CloseRequest;
import io.vfleet.api.agent.v1.IoctlRequest;
import io.vfleet.api.agent.v1.VfioDeviceAttachIommufdPt;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A hot reset binds the set's fenced free members inside the assignment's own VMM process for its
 * length; the assignment's Syscalls credential reaches that process, yet never those files. Held at
 * the point where the members are bound (legacy-shared-bus: 04:00.0 the assignment's, 04:00.1 fenced),
 * a system call of the credential holder on the member's descriptor waits, and once the reset is done
 * it finds the descriptor closed (EBADF); the member was never attached to the tenant's IOAS.
 */
class FencedMembersInAVmmTest {
    private static final String PORT_0 = "0000:04:00.0";
    private static final String PORT_1 = "0000:04:00.1";

    @TempDir
    Path state;

    @Test
    void theAssignmentsOwnCredentialNeverReachesTheFencedMembersFiles() throws Exception {
        AtomicReference<InProcessAgent> agent = new AtomicReference<>();
        AtomicReference<Prepared> prepared = new AtomicReference<>();
        List<Integer> fencedDescriptors = new ArrayList<>();
        List<Thread.State> callerWhileHeld = new ArrayList<>();
        AtomicReference<CompletableFuture<StatusRuntimeException>> attach = new AtomicReference<>();
        Checkpoints heldWhileBound = (point, assignmentId) -> {
            int pid = prepared.get().pid();
            List<Integer> own = prepared.get().devices().stream().map(Prepared.Device::fd).toList();
            fencedDescriptors.addAll(agent.get().host.inspect(kernel -> kernel.process(pid).files().openDescriptors().stream()
                    .filter(fd -> fd > prepared.get().iommufd() && !own.contains(fd)).toList()));
            Thread[] caller = new Thread[1];
            CompletableFuture<StatusRuntimeException> call = new CompletableFuture<>();
            caller[0] = Thread.ofPlatform().start(() -> {
                try {
                    agent.get().as(prepared.get().syscallsCredential()).ioctl(IoctlRequest.newBuilder().setPid(pid)
                            .setFd(fencedDescriptors.getFirst()).setVfioDeviceAttachIommufdPt(
                                    VfioDeviceAttachIommufdPt.newBuilder().setPtId(prepared.get().ioasId())).build());
                    call.complete(null);
                } catch (StatusRuntimeException refused) {
                    call.complete(refused);
                }
            });
            attach.set(call);
            // The window: the caller is parked on the VMM process's gate, its call not made.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (caller[0].getState() != Thread.State.WAITING && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
            callerWhileHeld.add(caller[0].getState());
            callerWhileHeld.add(call.isDone() ? Thread.State.TERMINATED : Thread.State.WAITING);
        };
        agent.set(new InProcessAgent(TestAgent.open(AgentHosts.shipped("legacy-shared-bus"), state, heldWhileBound)));
        AgentHost host = agent.get().host;
        Preparations preparations = agent.get().preparations;
        try {
            prepared.set(preparations.prepare(new PrepareOrder("a-1", "acme", List.of(PORT_0), false, 1)));

            preparations.hotReset(new HotResetOrder("a-1", PORT_0, 1, List.of(PORT_1)));

            assertThat(fencedDescriptors).as("the window was reached with the member bound in the VMM").hasSize(1);
            assertThat(callerWhileHeld).as("the credential holder's call waited for the reset")
                    .containsExactly(Thread.State.WAITING, Thread.State.WAITING);
            StatusRuntimeException refused = attach.get().get(10, TimeUnit.SECONDS);
            assertThat(refused).as("the member's descriptor is closed by the time the call runs").isNotNull();
            assertThat(StatusProto.fromThrowable(refused).getDetails(0).unpack(ErrorInfo.class).getReason()).isEqualTo("EBADF");
            int openCount = host.inspect(kernel -> kernel.vfioDevice(PORT_1).openCount());
            assertThat(openCount).isZero();
            StatusRuntimeException closing = org.assertj.core.api.Assertions.catchThrowableOfType(StatusRuntimeException.class, () ->
                    agent.get().as(prepared.get().syscallsCredential()).close(CloseRequest.newBuilder()
                            .setPid(prepared.get().pid()).setFd(fencedDescriptors.getFirst()).build()));
            assertThat(StatusProto.fromThrowable(closing).getDetails(0).unpack(ErrorInfo.class).getReason()).isEqualTo("EBADF");
        } finally {
            agent.get().close();
        }
    }
}
