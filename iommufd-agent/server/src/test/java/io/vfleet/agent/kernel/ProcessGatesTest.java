package io.vfleet.agent.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import io.vfleet.agent.AgentHosts;
import io.vfleet.agent.topology.SysfsTopologyReader;
import io.vfleet.engine.process.ProcessSpec;
import io.vfleet.linux.LinuxKernel;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@link HostKernel#exclusively} means the same on both backends: while a node operation is alone with a
 * process, another caller's system call in that process waits at its gate (held there, then seen
 * waiting), calls in other processes go ahead, and the operation's own calls in it are not held up.
 * The Linux backend runs on the build machine's kernel, with anonymous memory for the calls.
 */
class ProcessGatesTest {
    private static final ProcessSpec VMM = new ProcessSpec("vmm", 0, Set.of(), ProcessSpec.UNLIMITED);
    private static final int PROT_READ_WRITE = 3;

    enum Backend { ENGINE, LINUX }

    @TempDir
    Path state;

    @ParameterizedTest
    @EnumSource(Backend.class)
    void anotherCallersCallInTheProcessWaitsWhileTheOperationIsAloneWithIt(Backend backend) throws Exception {
        try (HostKernel host = open(backend)) {
            int vmm = host.call(new Syscall.Spawn(VMM));
            int other = host.call(new Syscall.Spawn(VMM));
            CountDownLatch alone = new CountDownLatch(1);
            CountDownLatch done = new CountDownLatch(1);
            CompletableFuture<Long> ownCall = new CompletableFuture<>();
            Thread operation = Thread.ofPlatform().start(() -> host.exclusively(vmm, () -> {
                ownCall.complete(host.call(new Syscall.Mmap(vmm, 4096, PROT_READ_WRITE)));
                alone.countDown();
                await(done);
                return null;
            }));
            assertThat(alone.await(10, TimeUnit.SECONDS)).as("the operation holds the process").isTrue();

            CompletableFuture<Long> callersCall = new CompletableFuture<>();
            Thread caller = Thread.ofPlatform().start(() -> callersCall.complete(host.call(new Syscall.Mmap(vmm, 4096, PROT_READ_WRITE))));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (caller.getState() != Thread.State.WAITING && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
            Thread.State whileHeld = caller.getState();
            boolean answeredWhileHeld = callersCall.isDone();
            long elsewhere = host.call(new Syscall.Mmap(other, 4096, PROT_READ_WRITE));
            done.countDown();
            operation.join(TimeUnit.SECONDS.toMillis(10));

            assertThat(ownCall.get(10, TimeUnit.SECONDS)).as("the operation's own call in the process").isPositive();
            assertThat(whileHeld).as("the caller parked at the process's gate").isEqualTo(Thread.State.WAITING);
            assertThat(answeredWhileHeld).as("no answer while the operation was alone with the process").isFalse();
            assertThat(elsewhere).as("a call in another process went ahead").isPositive();
            assertThat(callersCall.get(10, TimeUnit.SECONDS)).as("the caller's call, once the operation was done").isPositive();
            host.call(new Syscall.Exit(vmm));
            host.call(new Syscall.Exit(other));
        }
    }

    private HostKernel open(Backend backend) {
        return switch (backend) {
            case ENGINE -> AgentHosts.start(AgentHosts.shipped("gpu-server-8x"), state);
            case LINUX -> new LinuxHost(LinuxKernel.open(), AgentHosts.shipped("gpu-server-8x"),
                    new SysfsTopologyReader(Path.of("/sys")));
        };
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
