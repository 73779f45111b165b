package io.vfleet.engine.snapshot;

import static io.vfleet.engine.snapshot.BusyHosts.MIB;
import static io.vfleet.engine.snapshot.BusyHosts.READ_WRITE;
import static io.vfleet.engine.snapshot.BusyHosts.busyHost;
import static io.vfleet.engine.snapshot.BusyHosts.topology;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vfleet.engine.Host;
import io.vfleet.engine.JournalEntry;
import io.vfleet.engine.KernelException;
import io.vfleet.engine.KernelProfile;
import io.vfleet.engine.TestHosts;
import io.vfleet.engine.TestProcess;
import io.vfleet.engine.process.ProcessSpec;
import io.vfleet.engine.snapshot.BusyHosts.BusyHost;
import io.vfleet.engine.uapi.Ioctl.IommuDestroy;
import io.vfleet.engine.uapi.Ioctl.IommuIoasAlloc;
import io.vfleet.engine.uapi.Ioctl.IommuIoasCopy;
import io.vfleet.engine.uapi.Ioctl.IommuIoasMap;
import io.vfleet.engine.uapi.Ioctl.IommuIoasUnmap;
import io.vfleet.engine.uapi.Ioctl.VfioDeviceAttachIommufdPt;
import io.vfleet.engine.uapi.Ioctl.VfioDeviceBindIommufd;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class HostSnapshotTest {

    @ParameterizedTest
    @EnumSource(KernelProfile.class)
    void busyHostIsTheSameAfterSnapshotAndRestore(KernelProfile profile) {
        BusyHost busy = busyHost(profile);
        String before = HostState.describe(busy.host());

        Host restored = HostSnapshot.of(busy.host()).restore();

        String after = HostState.describe(restored);
        assertThat(after).as(() -> HostState.difference(before, after)).isEqualTo(before);
        assertThat(before).contains("resets=1", "pins=[Pin[iova=1048576, length=4096, write=true]]",
                "group 20 open=true container=container#1", "kvm=vm1", "legacy-vmm uid=1001 caps=[] memlock=1073741824 lockedVm=16",
                "locked pages by user {1000=274, 1001=0}");
        assertThat(HostSnapshot.of(restored)).isEqualTo(HostSnapshot.of(busy.host()));
    }

    @ParameterizedTest
    @EnumSource(KernelProfile.class)
    void restoredHostAnswersFurtherCallsAsTheOriginalDoes(KernelProfile profile) {
        BusyHost original = busyHost(profile);
        Host restored = HostSnapshot.of(original.host()).restore();
        BusyHost copy = new BusyHost(restored, null, null, original.iommufd(), original.ioas(), original.device0());
        int vmm = original.vmm().pid();
        int legacy = original.legacy().pid();

        List<Function<BusyHost, Object>> calls = List.of(
                busy -> busy.host().open(vmm, "/dev/iommu", TestProcess.O_RDWR),
                busy -> busy.host().ioctl(vmm, busy.iommufd(), IommuIoasAlloc.of()),
                busy -> busy.host().ioctl(vmm, busy.iommufd(), IommuDestroy.of(busy.ioas())),
                busy -> busy.host().open(vmm, "/dev/vfio/20", TestProcess.O_RDWR),
                busy -> busy.host().open(legacy, "/dev/vfio/10", TestProcess.O_RDWR),
                busy -> busy.host().ioctl(vmm, busy.iommufd(), IommuIoasMap.of(READ_WRITE, busy.ioas(), 0x7f00_0000_0000L, MIB, 0)),
                busy -> busy.host().mmap(legacy, MIB, 3),
                busy -> busy.host().spawn(new ProcessSpec("next", 1000, Set.of(), 0)));
        for (Function<BusyHost, Object> call : calls) {
            assertThat(outcome(call, copy)).isEqualTo(outcome(call, original));
        }
        assertThat(outcome(calls.get(2), original)).isEqualTo("EBUSY");
        assertThat(outcome(calls.get(3), original)).isEqualTo("EBUSY");
        assertThat(HostState.describe(restored)).isEqualTo(HostState.describe(original.host()));
    }

    private static Object outcome(Function<BusyHost, Object> call, BusyHost host) {
        try {
            return call.apply(host);
        } catch (KernelException e) {
            return e.errno().name();
        }
    }

    @Test
    void exitedProcessLeavesNoEntriesButItsPidIsNotReused() {
        BusyHost busy = busyHost(KernelProfile.V11);
        int gonePid = 100;

        assertThat(busy.host().journal()).extracting(JournalEntry::pid).doesNotContain(gonePid).contains(busy.vmm().pid());
        Host restored = HostSnapshot.of(busy.host()).restore();
        assertThat(restored.pids()).containsExactly(busy.vmm().pid(), busy.legacy().pid());
        assertThat(restored.spawn(new ProcessSpec("next", 1000, Set.of(), 0))).isEqualTo(busy.legacy().pid() + 1);
    }

    @Test
    void exitOfEveryProcessLeavesAnEmptyJournalAndKeepsTheResetCounts() {
        BusyHost busy = busyHost(KernelProfile.LINUX_6_6);
        busy.vmm().exit();
        busy.legacy().exit();

        assertThat(busy.host().journal()).isEmpty();
        Host restored = HostSnapshot.of(busy.host()).restore();
        assertThat(restored.vfioDevice("0000:01:00.0").resets()).isEqualTo(busy.host().vfioDevice("0000:01:00.0").resets()).isEqualTo(2);
        assertThat(HostState.describe(restored)).isEqualTo(HostState.describe(busy.host()));
    }

    @Test
    void mapsUndoneByUnmapsLeaveTheJournalAsItWas() {
        Host host = TestHosts.boot(topology(KernelProfile.V11));
        TestProcess vmm = TestProcess.spawn(host);
        int iommufd = vmm.open("/dev/iommu");
        int ioas = vmm.ioctl(iommufd, IommuIoasAlloc.of()).outIoasId();
        int device = vmm.open("/dev/vfio/devices/vfio0");
        vmm.ioctl(device, VfioDeviceBindIommufd.of(iommufd));
        vmm.ioctl(device, VfioDeviceAttachIommufdPt.of(ioas));
        long memory = vmm.mmap(MIB);
        HostSnapshot before = HostSnapshot.of(host);

        for (int i = 0; i < 10_000; i++) {
            vmm.ioctl(iommufd, IommuIoasMap.of(READ_WRITE | IommuIoasMap.FIXED_IOVA, ioas, memory, MIB, 0x100000));
            vmm.ioctl(iommufd, IommuIoasUnmap.of(ioas, 0x100000, MIB));
            long iova = vmm.ioctl(iommufd, IommuIoasMap.of(READ_WRITE, ioas, memory, 64 * 1024, 0)).iova();
            vmm.ioctl(iommufd, IommuIoasUnmap.of(ioas, iova, 64 * 1024));
        }

        assertThat(HostSnapshot.of(host)).isEqualTo(before);
    }

    @Test
    void mapsThatACopyReadStayInTheJournalAndReplay() {
        Host host = TestHosts.boot(topology(KernelProfile.V11));
        TestProcess vmm = TestProcess.spawn(host);
        int iommufd = vmm.open("/dev/iommu");
        int source = vmm.ioctl(iommufd, IommuIoasAlloc.of()).outIoasId();
        int destination = vmm.ioctl(iommufd, IommuIoasAlloc.of()).outIoasId();
        long memory = vmm.mmap(MIB);
        vmm.ioctl(iommufd, IommuIoasMap.of(READ_WRITE | IommuIoasMap.FIXED_IOVA, source, memory, MIB, 0x100000));
        vmm.ioctl(iommufd, new IommuIoasCopy(IommuIoasCopy.SIZE, READ_WRITE, destination, source, MIB, 0, 0x100000));
        vmm.ioctl(iommufd, IommuIoasUnmap.of(source, 0x100000, MIB));
        long autoIova = vmm.ioctl(iommufd, IommuIoasMap.of(READ_WRITE, destination, memory, 4096, 0)).iova();

        Host restored = HostSnapshot.of(host).restore();

        assertThat(host.journal()).filteredOn(entry -> entry instanceof JournalEntry.IoctlCall call
                && call.request() instanceof IommuIoasMap).hasSize(2);
        assertThat(HostState.describe(restored)).isEqualTo(HostState.describe(host));
        assertThat(restored.ioctl(vmm.pid(), iommufd, IommuIoasMap.of(READ_WRITE, destination, memory, 4096, 0)).iova())
                .isEqualTo(host.ioctl(vmm.pid(), iommufd, IommuIoasMap.of(READ_WRITE, destination, memory, 4096, 0)).iova())
                .isNotEqualTo(autoIova);
    }

    // ---- refusals ----

    @Test
    void replayThatAnswersDifferentlyIsRefusedNamingTheEntry() {
        HostSnapshot snapshot = HostSnapshot.of(busyHost(KernelProfile.V11).host());
        JournalEntry.Open iommufd = new JournalEntry.Open(101, "/dev/iommu", 2, 0);
        int entry = snapshot.journal().indexOf(iommufd) + 1;

        HostSnapshot edited = replacing(snapshot, iommufd, new JournalEntry.Open(101, "/dev/iommu", 2, 7));

        assertThatThrownBy(edited::restore)
                .isInstanceOf(SnapshotException.class)
                .hasMessage("journal entry " + entry + " diverged on replay: the fd differs: recorded 7, replayed 0");
    }

    @Test
    void replayedCallThatNowFailsIsRefused() {
        HostSnapshot snapshot = HostSnapshot.of(busyHost(KernelProfile.V11).host());
        JournalEntry group = snapshot.journal().stream()
                .filter(entry -> entry instanceof JournalEntry.Open open && open.path().equals("/dev/vfio/20")).findFirst().orElseThrow();

        HostSnapshot edited = replacing(snapshot, group, new JournalEntry.Open(group.pid(), "/dev/vfio/99", 2, 1));

        assertThatThrownBy(edited::restore)
                .isInstanceOf(SnapshotException.class)
                .hasMessageMatching("journal entry \\d+ diverged on replay: open of pid 102 succeeded when recorded, "
                        + "now fails with ENOENT: /dev/vfio/99 does not exist on this host");
    }

    @Test
    void countersTheReplayDoesNotReachAreRefused() {
        HostSnapshot snapshot = HostSnapshot.of(busyHost(KernelProfile.V11).host());
        HostSnapshot.Counters counters = snapshot.counters();
        List<HostSnapshot.User> users = counters.users().stream()
                .map(user -> user.uid() == 1000 ? new HostSnapshot.User(1000, user.lockedPages() + 1) : user).toList();

        HostSnapshot edited = new HostSnapshot(snapshot.topology(),
                new HostSnapshot.Counters(counters.nextPid(), counters.nextVmId(), users, counters.devices()), snapshot.journal());

        assertThatThrownBy(edited::restore)
                .isInstanceOf(SnapshotException.class)
                .hasMessage("counters diverged on replay: uid 1000 has 274 pages charged after the replay, 275 when the "
                        + "snapshot was taken");
    }

    private static HostSnapshot replacing(HostSnapshot snapshot, JournalEntry entry, JournalEntry replacement) {
        return edited(snapshot, journal -> {
            journal.set(journal.indexOf(entry), replacement);
            return journal;
        });
    }

    private static HostSnapshot edited(HostSnapshot snapshot, UnaryOperator<List<JournalEntry>> edit) {
        return new HostSnapshot(snapshot.topology(), snapshot.counters(), edit.apply(new ArrayList<>(snapshot.journal())));
    }
}
