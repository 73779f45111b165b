package io.vfleet.agent.vmm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.vfleet.agent.AgentHosts;
import io.vfleet.agent.TestAgent;
import io.vfleet.agent.state.AgentHost;
import io.vfleet.agent.kernel.Syscall;
import io.vfleet.agent.vmm.AssignmentRefused.Reason;
import io.vfleet.engine.Errno;
import io.vfleet.engine.Host;
import io.vfleet.engine.process.Capability;
import io.vfleet.engine.process.ProcessSpec;
import io.vfleet.engine.uapi.Ioctl;
import io.vfleet.engine.vfio.VfioDevice;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PreparationsTest {
    private static final String GPU = "0000:01:00.0";
    private static final String AUDIO = "0000:01:00.1";

    @TempDir
    Path state;

    private TestAgent agent;
    private AgentHost host;
    private Preparations preparations;

    /** Opens the state directory as a start does; a second call without closing is a restart after a crash. */
    private void start(String topology) {
        agent = TestAgent.open(AgentHosts.shipped(topology), state);
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

    @Test
    void prepareBindsAndAttachesBothFunctionsOfTheGroupToOneIoas() {
        start("workstation-gpu-audio");
        Prepared prepared = preparations.prepare(new PrepareOrder("a-1", "acme", List.of(GPU, AUDIO), true, 1));

        assertThat(prepared.devices()).extracting(Prepared.Device::bdf).containsExactly(GPU, AUDIO);
        assertThat(prepared.hwptIds()).hasSize(1);
        assertThat(prepared.vmFd()).isNotNegative();
        boolean attached = host.inspect(kernel -> kernel.vfioDevice(GPU).iommufdAttached() && kernel.vfioDevice(AUDIO).iommufdAttached());
        assertThat(attached).isTrue();
        int gpuDevid = host.inspect(kernel -> kernel.vfioDevice(GPU).devid());
        assertThat(prepared.devices().getFirst().devid()).isEqualTo(gpuDevid);
        boolean hasKvm = host.inspect(kernel -> kernel.vfioDevice(GPU).kvm() != null);
        assertThat(hasKvm).as("FILE_ADD came before BIND, so the device captured the VM").isTrue();
        assertThat(preparations.prepared()).extracting(Assignment::id).containsExactly("a-1");
    }

    @Test
    void theVmmOfANoiommuDeviceGetsCapSysRawioAndNoOtherVmmDoes() {
        start("noiommu-host");
        Prepared unsafe = preparations.prepare(new PrepareOrder("a-1", "acme", List.of("0000:00:03.0"), true, 1));
        Prepared safe = preparations.prepare(new PrepareOrder("a-2", "acme", List.of("0000:01:00.0"), false, 1));

        Set<Capability> unsafeCapabilities = host.inspect(kernel -> kernel.process(unsafe.pid()).spec().capabilities());
        Set<Capability> safeCapabilities = host.inspect(kernel -> kernel.process(safe.pid()).spec().capabilities());
        assertThat(unsafeCapabilities).containsExactly(Capability.CAP_SYS_RAWIO);
        assertThat(safeCapabilities).isEmpty();
        assertThat(unsafe.devices()).singleElement().satisfies(device -> {
            assertThat(device.noiommu()).isTrue();
            assertThat(device.cdevPath()).startsWith("/dev/vfio/devices/noiommu-vfio");
            assertThat(device.devid()).isPositive();
            assertThat(device.hwptId()).as("attached to nothing").isZero();
        });
        assertThat(unsafe.hwptIds()).isEmpty();
        assertThat(safe.devices()).singleElement().satisfies(device -> {
            assertThat(device.noiommu()).isFalse();
            assertThat(device.hwptId()).isPositive();
        });
        assertThat(device("0000:00:03.0").openCount()).isEqualTo(1);
    }

    @Test
    void prepareSaysWhichDevicesHaveAFunctionReset() {
        start("workstation-gpu-audio");
        Prepared geforce = preparations.prepare(new PrepareOrder("a-1", "acme", List.of(GPU, AUDIO), false, 1));

        assertThat(geforce.devices()).extracting(Prepared.Device::functionReset).containsExactly(false, false);
    }

    @Test
    void aRepeatedPrepareReturnsTheSameAnswerAndDoesNothingMore() {
        start("gpu-server-8x");
        PrepareOrder order = new PrepareOrder("a-1", "acme", List.of("0000:18:00.0"), false, 3);
        Prepared first = preparations.prepare(order);
        List<Integer> pids = host.inspect(kernel -> kernel.pids());

        Prepared again = preparations.prepare(new PrepareOrder("a-1", "acme", List.of("18:00.0"), false, 4));

        assertThat(again).isEqualTo(first);
        List<Integer> pidsAfter = host.inspect(kernel -> kernel.pids());
        assertThat(pidsAfter).isEqualTo(pids);
    }

    @Test
    void prepareIsAllOrNothingWhenASiblingIsOwnedByTheHost() {
        start("workstation-gpu-audio");
        Prepared other = preparations.prepare(new PrepareOrder("other", "acme", List.of(GPU), false, 1));

        AssignmentRefused refused = catchThrowableOfType(AssignmentRefused.class, () -> preparations.prepare(
                new PrepareOrder("a-2", "globex", List.of("0000:02:00.0"), false, 1)));

        assertThat(refused.reason()).isEqualTo(Reason.KERNEL);
        assertThat(refused.errno()).isEqualTo(Errno.EPERM);
        assertThat(refused.device()).isEqualTo("0000:02:00.0");
        List<Integer> pids = host.inspect(kernel -> kernel.pids());
        assertThat(pids).containsExactly(other.pid());
        assertThat(device("0000:02:00.0").openCount()).isZero();
        assertThat(preparations.prepared()).extracting(Assignment::id).containsExactly("other");
    }

    @Test
    void aFailureOnTheSecondDeviceUndoesTheFirst() {
        start("workstation-gpu-audio");
        int squatter = host.call(new Syscall.Spawn(new ProcessSpec("squatter", 5, Set.of(), ProcessSpec.UNLIMITED)));
        int iommufd = host.call(new Syscall.Open(squatter, "/dev/iommu", 2));
        int audio = host.call(new Syscall.Open(squatter, "/dev/vfio/devices/vfio1", 2));
        host.call(new Syscall.IoctlCall<>(squatter, audio, Ioctl.VfioDeviceBindIommufd.of(iommufd)));

        AssignmentRefused refused = catchThrowableOfType(AssignmentRefused.class, () -> preparations.prepare(
                new PrepareOrder("a-3", "acme", List.of(GPU), false, 1)));

        assertThat(refused.errno()).as("the group is owned by another iommufd context").isEqualTo(Errno.EPERM);
        assertThat(device(GPU).openCount()).isZero();
        assertThat(device(AUDIO).openCount()).isEqualTo(1);
    }

    @Test
    void aStaleEpochIsRefusedEvenAfterRelease() {
        start("gpu-server-8x");
        preparations.prepare(new PrepareOrder("a-1", "acme", List.of("0000:18:00.0"), false, 5));
        preparations.release(new ReleaseOrder("a-1", false, 6));

        AssignmentRefused stalePrepare = catchThrowableOfType(AssignmentRefused.class, () ->
                preparations.prepare(new PrepareOrder("a-1", "acme", List.of("0000:18:00.0"), false, 5)));
        AssignmentRefused staleRelease = catchThrowableOfType(AssignmentRefused.class, () ->
                preparations.release(new ReleaseOrder("a-1", true, 4)));

        assertThat(stalePrepare.reason()).isEqualTo(Reason.STALE_EPOCH);
        assertThat(staleRelease.reason()).isEqualTo(Reason.STALE_EPOCH);
        assertThat(preparations.prepared()).isEmpty();
    }

    @Test
    void oneTermsCallsForTwoAssignmentsMayArriveInEitherOrder() {
        start("gpu-server-8x");
        preparations.prepare(new PrepareOrder("a-1", "acme", List.of("0000:18:00.0"), false, 1, 3));
        preparations.prepare(new PrepareOrder("a-2", "acme", List.of("0000:19:00.0"), false, 2, 3));

        // The controller took epochs 3 and 4 for two releases it sent at once; 4 arrives first.
        Released second = preparations.release(new ReleaseOrder("a-2", true, 4, List.of(), 3));
        Released first = preparations.release(new ReleaseOrder("a-1", true, 3, List.of(), 3));

        assertThat(second.released()).isTrue();
        assertThat(first.released()).as("an older epoch of another assignment fences nothing").isTrue();
        assertThat(preparations.prepared()).isEmpty();
    }

    @Test
    void aCallOfAnOlderTermIsRefusedChangesNothingAndStaysRefusedAfterARestart() {
        start("gpu-server-8x");
        preparations.prepare(new PrepareOrder("a-1", "acme", List.of("0000:18:00.0"), false, 1, 1));
        // Another controller took the node over: term 2.
        preparations.prepare(new PrepareOrder("a-2", "acme", List.of("0000:19:00.0"), false, 2, 2));

        AssignmentRefused release = catchThrowableOfType(AssignmentRefused.class, () ->
                preparations.release(new ReleaseOrder("a-1", true, 3, List.of(), 1)));
        AssignmentRefused prepare = catchThrowableOfType(AssignmentRefused.class, () ->
                preparations.prepare(new PrepareOrder("a-3", "acme", List.of("0000:1a:00.0"), false, 4, 1)));

        assertThat(release.reason()).isEqualTo(Reason.STALE_EPOCH);
        assertThat(release.getMessage()).contains("term 1 is older than 2");
        assertThat(prepare.reason()).isEqualTo(Reason.STALE_EPOCH);
        assertThat(preparations.prepared()).extracting(Assignment::id).containsExactlyInAnyOrder("a-1", "a-2");

        agent.close();
        start("gpu-server-8x");
        assertThat(catchThrowableOfType(AssignmentRefused.class, () ->
                preparations.release(new ReleaseOrder("a-1", true, 5, List.of(), 1))).reason())
                .as("the node's term is kept with its table").isEqualTo(Reason.STALE_EPOCH);
        assertThat(preparations.release(new ReleaseOrder("a-1", true, 5, List.of(), 2)).released()).isTrue();
    }

    @Test
    void releaseScrubsASetWithoutFlrThatIsWhollyTheAssignmentsWithAHotResetOfTheSet() {
        start("workstation-gpu-audio");
        preparations.prepare(new PrepareOrder("a-1", "acme", List.of(GPU, AUDIO), false, 1));

        Released released = preparations.release(new ReleaseOrder("a-1", true, 1));

        assertThat(released.released()).isTrue();
        assertThat(released.functionReset()).isEmpty();
        assertThat(released.setReset()).as("the whole set is the assignment's: reset before the exit").containsExactly(GPU, AUDIO);
        assertThat(released.leftToSetReset()).isEmpty();
        assertThat(device(GPU).openCount()).isZero();
        assertThat(preparations.release(new ReleaseOrder("a-1", true, 1)).released()).as("idempotent").isFalse();
    }

    @Test
    void releaseOfAGpuWithFlrResetsTheFunction() {
        start("gpu-server-8x");
        preparations.prepare(new PrepareOrder("a-1", "acme", List.of("0000:18:00.0"), false, 1));
        long resetsBefore = device("0000:18:00.0").resets();

        Released released = preparations.release(new ReleaseOrder("a-1", true, 1));

        assertThat(released.functionReset()).containsExactly("0000:18:00.0");
        assertThat(preparations.prepare(new PrepareOrder("a-2", "acme", List.of("0000:19:00.0"), false, 1)).devices())
                .extracting(Prepared.Device::functionReset).containsExactly(true);
        assertThat(device("0000:18:00.0").resets()).isGreaterThan(resetsBefore);
    }

    @Test
    void hotResetGoesThroughTheAssignmentsOwnFilesAndNamesWhatItReset() {
        start("workstation-gpu-audio");
        preparations.prepare(new PrepareOrder("a-1", "acme", List.of(GPU, AUDIO), false, 1));

        List<String> affected = preparations.hotReset(new HotResetOrder("a-1", GPU, 1, List.of()));

        assertThat(affected).containsExactly(GPU, AUDIO);
        AssignmentRefused notMine = catchThrowableOfType(AssignmentRefused.class, () ->
                preparations.hotReset(new HotResetOrder("a-1", "0000:02:00.0", 1, List.of())));
        assertThat(notMine.reason()).isEqualTo(Reason.DEVICE_NOT_IN_ASSIGNMENT);
    }

    @Test
    void hotResetOfANicWhoseBusHasAHostOwnedPortIsTheKernelsEinval() {
        start("legacy-shared-bus");
        preparations.prepare(new PrepareOrder("a-1", "acme", List.of("0000:02:00.0", "0000:02:00.1", "0000:02:00.2"), false, 1));

        AssignmentRefused refused = catchThrowableOfType(AssignmentRefused.class, () ->
                preparations.hotReset(new HotResetOrder("a-1", "0000:02:00.0", 1, List.of())));

        assertThat(refused.reason()).isEqualTo(Reason.KERNEL);
        assertThat(refused.errno()).isEqualTo(Errno.EINVAL);
    }

    @Test
    void unknownAndMalformedDevicesAreRefusedBeforeTheKernelIsAsked() {
        start("gpu-server-8x");
        assertThat(catchThrowableOfType(AssignmentRefused.class, () -> preparations.prepare(
                new PrepareOrder("a-1", "acme", List.of("0000:1c:00.0"), false, 1))).reason()).isEqualTo(Reason.UNKNOWN_DEVICE);
        assertThat(catchThrowableOfType(AssignmentRefused.class, () -> preparations.prepare(
                new PrepareOrder("a-1", "acme", List.of("gpu0"), false, 1))).reason()).isEqualTo(Reason.INVALID_ORDER);
        List<Integer> pids = host.inspect(kernel -> kernel.pids());
        assertThat(pids).isEmpty();
    }

    @Test
    void aDurablePrepareAndReleaseSurviveACrashWithTheirTableEntries() {
        start("gpu-server-8x");
        Prepared prepared = preparations.prepare(new PrepareOrder("a-1", "acme", List.of("0000:18:00.0"), false, 1));
        agent.journal().awaitDurable();

        start("gpu-server-8x");

        assertThat(preparations.prepared()).singleElement().satisfies(assignment ->
                assertThat(assignment.prepared()).isEqualTo(prepared));
        List<Integer> pids = host.inspect(kernel -> kernel.pids());
        assertThat(pids).containsExactly(prepared.pid());
        assertThat(device("0000:18:00.0").iommufdAttached()).isTrue();

        preparations.release(new ReleaseOrder("a-1", true, 1));
        agent.journal().awaitDurable();
        start("gpu-server-8x");

        assertThat(preparations.prepared()).isEmpty();
        List<Integer> after = host.inspect(kernel -> kernel.pids());
        assertThat(after).isEmpty();
        assertThat(catchThrowableOfType(AssignmentRefused.class, () -> preparations.release(new ReleaseOrder("a-1", true, 0)))
                .reason()).as("the epoch seen survives too").isEqualTo(Reason.STALE_EPOCH);
    }

    /**
     * A Release of an older term than the newest the node has seen, from any assignment's call, is
     * refused; that term is a change of the journal, read back after a crash, then part of the base the
     * start writes, read back after a second crash.
     */
    @Test
    void theNodesNewestTermRefusesAnOlderReleaseAfterACrashAndAfterTheBaseThatFollows() {
        start("gpu-server-8x");
        preparations.prepare(new PrepareOrder("a-1", "acme", List.of("0000:18:00.0"), false, 1, 3));
        preparations.prepare(new PrepareOrder("a-2", "acme", List.of("0000:19:00.0"), false, 1, 8));
        agent.journal().awaitDurable();

        for (String restart : List.of("from the journal", "from the base")) {
            start("gpu-server-8x");
            AssignmentRefused stale = catchThrowableOfType(AssignmentRefused.class,
                    () -> preparations.release(new ReleaseOrder("a-1", true, 2, List.of(), 5)));
            assertThat(stale).as(restart).isNotNull();
            assertThat(stale.reason()).as(restart).isEqualTo(Reason.STALE_EPOCH);
            assertThat(stale.getMessage()).as(restart).contains("term 5 is older than 8");
            assertThat(preparations.prepared()).as(restart).hasSize(2);
        }
    }

    @Test
    void anAssignmentSurvivesARestartAndAVmmWhosePrepareWasCutShortIsExited() {
        start("gpu-server-8x");
        Prepared prepared = preparations.prepare(new PrepareOrder("a-1", "acme", List.of("0000:18:00.0"), false, 1));
        int orphan = host.call(new Syscall.Spawn(new ProcessSpec("vmm-cut-short", 100_000, Set.of(), ProcessSpec.UNLIMITED)));
        agent.journal().awaitDurable();

        start("gpu-server-8x");

        assertThat(preparations.prepared()).singleElement().satisfies(assignment ->
                assertThat(assignment.prepared()).isEqualTo(prepared));
        List<Integer> pids = host.inspect(kernel -> kernel.pids());
        assertThat(pids).containsExactly(prepared.pid()).doesNotContain(orphan);
        assertThat(device("0000:18:00.0").iommufdAttached()).isTrue();
    }
}
