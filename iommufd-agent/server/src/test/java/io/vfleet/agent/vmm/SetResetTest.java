package io.vfleet.agent.vmm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.vfleet.agent.AgentHosts;
import io.vfleet.agent.TestAgent;
import io.vfleet.agent.state.AgentHost;
import io.vfleet.agent.kernel.Syscall;
import io.vfleet.agent.vmm.AssignmentRefused.Reason;
import io.vfleet.engine.Errno;
import io.vfleet.engine.FaultInjection;
import io.vfleet.engine.KernelException;
import io.vfleet.engine.process.ProcessSpec;
import io.vfleet.engine.uapi.Ioctl;
import io.vfleet.engine.vfio.VfioDevice;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hot resets of a reset set with free members, on legacy-shared-bus: bus 04 holds 04:00.0 (vfio5) and
 * 04:00.1 (vfio6), neither with FLR, each in an IOMMU group of its own, both on vfio-pci.
 */
class SetResetTest {
    private static final String PORT_0 = "0000:04:00.0";
    private static final String PORT_1 = "0000:04:00.1";
    private static final String PORT_1_CDEV = "/dev/vfio/devices/vfio6";
    /** Bus 03: one IOMMU group, one reset set, neither shared with bus 04. */
    private static final String OTHER_BUS_0 = "0000:03:00.0";
    private static final String OTHER_BUS_1 = "0000:03:00.1";

    @TempDir
    Path state;

    private TestAgent agent;
    private AgentHost host;
    private Preparations preparations;

    /** Opens the state directory as a start does; a second call without closing is a restart after a crash. */
    private void start(Checkpoints checkpoints) {
        agent = TestAgent.open(AgentHosts.shipped("legacy-shared-bus"), state, checkpoints);
        host = agent.host();
        preparations = agent.preparations();
    }

    @AfterEach
    void close() {
        agent.close();
    }

    private VfioDevice device(String bdf) {
        return host.inspect(kernel -> kernel.vfioDevice(bdf));
    }

    private List<Integer> descriptors(int pid) {
        return host.inspect(kernel -> kernel.process(pid).files().openDescriptors());
    }

    @Test
    void aFencedFreeMemberIsBoundForTheResetAndIsUnboundAndFreeAfterwards() {
        List<String> atCheckpoint = new ArrayList<>();
        start((point, assignmentId) -> atCheckpoint.add(point + " " + assignmentId));
        Prepared prepared = preparations.prepare(new PrepareOrder("a-1", "acme", List.of(PORT_0), false, 1));
        List<Integer> descriptorsBefore = descriptors(prepared.pid());
        long port1Resets = device(PORT_1).resets();

        List<String> affected = preparations.hotReset(new HotResetOrder("a-1", PORT_0, 1, List.of(PORT_1)));

        assertThat(affected).containsExactly(PORT_0, PORT_1);
        assertThat(atCheckpoint).containsExactly(Checkpoints.FENCED_MEMBERS_BOUND + " a-1");
        assertThat(device(PORT_1).resets()).as("the bus reset reached the free port").isGreaterThan(port1Resets);
        assertThat(device(PORT_1).openCount()).isZero();
        assertThat(device(PORT_1).iommufd()).as("unbound again").isNull();
        assertThat(descriptors(prepared.pid())).isEqualTo(descriptorsBefore);
        assertThat(preparations.prepared()).singleElement()
                .satisfies(assignment -> assertThat(assignment.prepared()).isEqualTo(prepared));
    }

    @Test
    void insideTheWindowTheFencedMemberBelongsToTheAssignmentsContextAndTheKernelRefusesItToAnyoneElse() {
        List<String> checked = new ArrayList<>();
        start((point, assignmentId) -> {
            VfioDevice port0 = device(PORT_0);
            VfioDevice port1 = device(PORT_1);
            assertThat(port1.iommufd()).as("bound to the resetting assignment's context").isSameAs(port0.iommufd());
            assertThat(port1.iommufdAttached()).as("bound, never attached: its DMA stays blocked").isFalse();
            int intruder = host.call(new Syscall.Spawn(new ProcessSpec("intruder", 7, Set.of(), ProcessSpec.UNLIMITED)));
            int iommufd = host.call(new Syscall.Open(intruder, "/dev/iommu", 2));
            int cdev = host.call(new Syscall.Open(intruder, PORT_1_CDEV, 2));
            KernelException refused = catchThrowableOfType(KernelException.class, () ->
                    host.call(new Syscall.IoctlCall<>(intruder, cdev, Ioctl.VfioDeviceBindIommufd.of(iommufd))));
            assertThat(refused.errno()).as("one bound file per device").isEqualTo(Errno.EINVAL);
            host.call(new Syscall.Exit(intruder));
            checked.add(point);
        });
        preparations.prepare(new PrepareOrder("a-1", "acme", List.of(PORT_0), false, 1));

        preparations.hotReset(new HotResetOrder("a-1", PORT_0, 1, List.of(PORT_1)));

        assertThat(checked).as("the window was reached").containsExactly(Checkpoints.FENCED_MEMBERS_BOUND);
        assertThat(device(PORT_1).openCount()).isZero();
    }

    @Test
    void aFreeMemberTheCallerDidNotFenceIsNeverTakenAndTheResetIsRefused() {
        start(Checkpoints.NONE);
        Prepared prepared = preparations.prepare(new PrepareOrder("a-1", "acme", List.of(PORT_0), false, 1));
        List<Integer> descriptorsBefore = descriptors(prepared.pid());
        long resets = device(PORT_0).resets();

        AssignmentRefused refused = catchThrowableOfType(AssignmentRefused.class, () ->
                preparations.hotReset(new HotResetOrder("a-1", PORT_0, 1, List.of())));

        assertThat(refused.reason()).isEqualTo(Reason.NOT_FENCED);
        assertThat(refused.device()).isEqualTo(PORT_1);
        assertThat(device(PORT_1).openCount()).isZero();
        assertThat(device(PORT_0).resets()).isEqualTo(resets);
        assertThat(descriptors(prepared.pid())).isEqualTo(descriptorsBefore);
    }

    @Test
    void aFencedMemberThatAnotherAssignmentOpenedIsRefusedBusyNamingIt() {
        start(Checkpoints.NONE);
        preparations.prepare(new PrepareOrder("a-1", "acme", List.of(PORT_0), false, 1));
        Prepared other = preparations.prepare(new PrepareOrder("b-1", "globex", List.of(PORT_1), false, 1));
        long resets = device(PORT_0).resets();

        AssignmentRefused refused = catchThrowableOfType(AssignmentRefused.class, () ->
                preparations.hotReset(new HotResetOrder("a-1", PORT_0, 1, List.of(PORT_1))));

        assertThat(refused.reason()).isEqualTo(Reason.KERNEL);
        assertThat(refused.errno()).isEqualTo(Errno.EBUSY);
        assertThat(refused.device()).isEqualTo(PORT_1);
        assertThat(refused.getMessage()).contains("b-1");
        assertThat(device(PORT_0).resets()).isEqualTo(resets);
        assertThat(device(PORT_1).iommufd()).as("still b-1's, untouched").isNotNull();
        assertThat(descriptors(other.pid())).hasSize(other.devices().size() + 1);
    }

    @Test
    void aFencedMemberOpenedOutsideTheAgentsAssignmentsIsRefusedBusyToo() {
        start(Checkpoints.NONE);
        preparations.prepare(new PrepareOrder("a-1", "acme", List.of(PORT_0), false, 1));
        int squatter = host.call(new Syscall.Spawn(new ProcessSpec("squatter", 5, Set.of(), ProcessSpec.UNLIMITED)));
        int cdev = host.call(new Syscall.Open(squatter, PORT_1_CDEV, 2));
        host.call(new Syscall.IoctlCall<>(squatter, cdev, Ioctl.VfioDeviceBindIommufd.of(host.call(new Syscall.Open(squatter, "/dev/iommu", 2)))));

        AssignmentRefused refused = catchThrowableOfType(AssignmentRefused.class, () ->
                preparations.hotReset(new HotResetOrder("a-1", PORT_0, 1, List.of(PORT_1))));

        assertThat(refused.errno()).isEqualTo(Errno.EBUSY);
        assertThat(refused.device()).isEqualTo(PORT_1);
    }

    @Test
    void aFencedDeviceTheResetDoesNotReachOrThatIsTheAssignmentsOwnIsAMalformedOrder() {
        start(Checkpoints.NONE);
        preparations.prepare(new PrepareOrder("a-1", "acme", List.of(PORT_0), false, 1));

        AssignmentRefused elsewhere = catchThrowableOfType(AssignmentRefused.class, () ->
                preparations.hotReset(new HotResetOrder("a-1", PORT_0, 1, List.of(PORT_1, "0000:03:00.0"))));
        AssignmentRefused own = catchThrowableOfType(AssignmentRefused.class, () ->
                preparations.hotReset(new HotResetOrder("a-1", PORT_0, 1, List.of(PORT_0, PORT_1))));

        assertThat(elsewhere.reason()).isEqualTo(Reason.INVALID_ORDER);
        assertThat(elsewhere.device()).isEqualTo("0000:03:00.0");
        assertThat(own.reason()).isEqualTo(Reason.INVALID_ORDER);
        assertThat(own.device()).isEqualTo(PORT_0);
        assertThat(device(PORT_1).openCount()).isZero();
    }

    @Test
    void aFailureAtAnyPointOfTheResetClosesWhatItOpenedAndLeavesTheMemberFree() {
        start(Checkpoints.NONE);
        Prepared prepared = preparations.prepare(new PrepareOrder("a-1", "acme", List.of(PORT_0), false, 1));
        List<Integer> descriptorsBefore = descriptors(prepared.pid());
        int failures = 0;
        for (int nth = 1; ; nth++) {
            FaultInjection.failNth(nth);
            try {
                preparations.hotReset(new HotResetOrder("a-1", PORT_0, 1, List.of(PORT_1)));
                break;
            } catch (AssignmentRefused refused) {
                failures++;
                assertThat(refused.errno()).as("fault %d", nth).isEqualTo(Errno.ENOMEM);
                assertThat(device(PORT_1).openCount()).as("fault %d", nth).isZero();
                assertThat(descriptors(prepared.pid())).as("fault %d", nth).isEqualTo(descriptorsBefore);
            } finally {
                FaultInjection.disarm();
            }
        }
        assertThat(failures).as("the sweep hit the bring-in").isPositive();
        assertThat(device(PORT_1).openCount()).isZero();
    }

    @Test
    void theReleaseScrubResetsASetWhoseOtherMemberIsFencedAndSaysSo() {
        start(Checkpoints.NONE);
        preparations.prepare(new PrepareOrder("a-1", "acme", List.of(PORT_0), false, 1));
        long port1Resets = device(PORT_1).resets();

        Released released = preparations.release(new ReleaseOrder("a-1", true, 2, List.of(PORT_1)));

        assertThat(released.functionReset()).isEmpty();
        assertThat(released.setReset()).containsExactly(PORT_0);
        assertThat(released.leftToSetReset()).isEmpty();
        assertThat(device(PORT_1).resets()).isGreaterThan(port1Resets);
        assertThat(device(PORT_1).openCount()).isZero();
        assertThat(device(PORT_0).openCount()).isZero();
    }

    @Test
    void aReleaseScrubWhoseSetCannotBeResetLeavesItToTheKernelAndStillReleases() {
        start(Checkpoints.NONE);
        preparations.prepare(new PrepareOrder("a-1", "acme", List.of(PORT_0), false, 1));
        preparations.prepare(new PrepareOrder("b-1", "globex", List.of(PORT_1), false, 1));

        Released released = preparations.release(new ReleaseOrder("a-1", true, 2, List.of()));

        assertThat(released.released()).isTrue();
        assertThat(released.setReset()).isEmpty();
        assertThat(released.leftToSetReset()).containsExactly(PORT_0);
        assertThat(device(PORT_0).openCount()).isZero();
        assertThat(device(PORT_0).needsReset()).as("the kernel resets it when b-1 closes the set").isTrue();
    }

    @Test
    void aFencedMemberLeftOpenByAResetCutShortIsClosedWhenTheAgentStartsAgain() {
        start(Checkpoints.NONE);
        Prepared prepared = preparations.prepare(new PrepareOrder("a-1", "acme", List.of(PORT_0), false, 1));
        // What the process holds when the agent dies at the checkpoint: the member bound to its iommufd.
        int member = host.call(new Syscall.Open(prepared.pid(), PORT_1_CDEV, 2));
        host.call(new Syscall.IoctlCall<>(prepared.pid(), member, Ioctl.VfioDeviceBindIommufd.of(prepared.iommufd())));
        agent.journal().awaitDurable();

        start(Checkpoints.NONE);

        assertThat(device(PORT_1).openCount()).isZero();
        assertThat(device(PORT_0).iommufdAttached()).as("the assignment's own device is untouched").isTrue();
        start(Checkpoints.NONE);
        assertThat(device(PORT_1).openCount()).as("on disk too: the start's base holds the close").isZero();
        assertThat(preparations.hotReset(new HotResetOrder("a-1", PORT_0, 1, List.of(PORT_1)))).contains(PORT_1);
    }

    // ---- concurrency: independent devices at once, the same reset set one at a time ----

    @Test
    void whileAResetHoldsItsSetAPrepareElsewhereCompletesAndOneInTheSameSetWaitsForIt() throws Exception {
        CountDownLatch held = new CountDownLatch(1);
        CountDownLatch resume = new CountDownLatch(1);
        start((point, assignmentId) -> {
            held.countDown();
            await(resume);
        });
        preparations.prepare(new PrepareOrder("a-1", "acme", List.of(PORT_0), false, 1));
        try (ExecutorService callers = Executors.newFixedThreadPool(3)) {
            Future<List<String>> reset = callers.submit(() -> preparations.hotReset(new HotResetOrder("a-1", PORT_0, 1, List.of(PORT_1))));
            assertThat(held.await(30, TimeUnit.SECONDS)).as("the reset reached its window").isTrue();

            Prepared elsewhere = callers.submit(() -> preparations.prepare(new PrepareOrder("a-2", "globex",
                    List.of(OTHER_BUS_0, OTHER_BUS_1), false, 1))).get(30, TimeUnit.SECONDS);
            assertThat(elsewhere.devices()).as("another group and another set: not held up by the reset")
                    .extracting(Prepared.Device::bdf).containsExactly(OTHER_BUS_0, OTHER_BUS_1);

            Thread[] sameSetCaller = new Thread[1];
            Future<Prepared> sameSet = callers.submit(() -> {
                sameSetCaller[0] = Thread.currentThread();
                return preparations.prepare(new PrepareOrder("a-3", "globex", List.of(PORT_1), false, 1));
            });
            awaitParked(sameSetCaller);
            assertThat(sameSet).as("the fenced member's set is the reset's until it ends").isNotDone();
            assertThat(device(PORT_1).iommufd()).as("still bound for the reset").isNotNull();

            resume.countDown();
            assertThat(reset.get(30, TimeUnit.SECONDS)).containsExactly(PORT_0, PORT_1);
            assertThat(sameSet.get(30, TimeUnit.SECONDS).devices()).singleElement()
                    .satisfies(device -> assertThat(device.bdf()).isEqualTo(PORT_1));
        }
        assertThat(preparations.prepared()).extracting(Assignment::id).containsExactlyInAnyOrder("a-1", "a-2", "a-3");
    }

    private static void await(CountDownLatch latch) {
        try {
            assertThat(latch.await(30, TimeUnit.SECONDS)).isTrue();
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    /** Waits until {@code thread[0]} has started and parks (waiting for a lock). */
    private static void awaitParked(Thread[] thread) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (thread[0] == null || thread[0].getState() != Thread.State.WAITING) {
            assertThat(System.nanoTime()).as("the caller waits for the set's lock").isLessThan(deadline);
            Thread.sleep(1);
        }
    }
}
