package io.vfleet.engine.snapshot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vfleet.engine.Host;
import io.vfleet.engine.JournalEntry;
import io.vfleet.engine.KernelException;
import io.vfleet.engine.KernelProfile;
import io.vfleet.engine.TestHosts;
import io.vfleet.engine.TestProcess;
import io.vfleet.engine.iommufd.IommufdAccess;
import io.vfleet.engine.process.ProcessSpec;
import io.vfleet.engine.uapi.Ioctl.IommuIoasAlloc;
import io.vfleet.engine.uapi.Ioctl.IommuIoasCopy;
import io.vfleet.engine.uapi.Ioctl.IommuIoasMap;
import io.vfleet.engine.uapi.Ioctl.IommuIoasUnmap;
import io.vfleet.engine.uapi.Ioctl.VfioDeviceAttachIommufdPt;
import io.vfleet.engine.uapi.Ioctl.VfioDeviceBindIommufd;
import io.vfleet.engine.uapi.Ioctl.VfioDeviceReset;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/**
 * The changes a host hands out ({@link Host#recordChangesTo}) are what a write-ahead journal keeps:
 * replayed in order on a fresh boot, or on a snapshot taken at any point before them, they give
 * back the same host, whatever VMMs did in between (maps, unmaps that fail part way, copies, pins,
 * resets, exits and new VMMs).
 */
class ChangeRecordsTest {
    private static final long SLOT = 0x10000;
    private static final long BASE = 0x100000;
    private static final int READ_WRITE = IommuIoasMap.READABLE | IommuIoasMap.WRITEABLE;

    sealed interface Operation {
    }

    record MapFixed(int slot, int pages) implements Operation {
    }

    record MapAuto(int pages) implements Operation {
    }

    record Unmap(int slot, int slots) implements Operation {
    }

    record Copy(int slot) implements Operation {
    }

    record Pin(int slot) implements Operation {
    }

    record Reset() implements Operation {
    }

    /** The VMM exits, which closes everything it held, and a new one sets up the same way. */
    record Restart() implements Operation {
    }

    /** A VMM with two IOASes, a physical device and an emulated one. */
    // Never compared or hashed: a test's handles to what it opened.
    @SuppressWarnings("ArrayRecordComponent")
    private record Vmm(TestProcess process, int iommufd, int[] ioas, int device, int mtty, long memory) {
        static Vmm start(Host host) {
            TestProcess vmm = TestProcess.spawn(host);
            int iommufd = vmm.open("/dev/iommu");
            int[] ioas = {vmm.ioctl(iommufd, IommuIoasAlloc.of()).outIoasId(), vmm.ioctl(iommufd, IommuIoasAlloc.of()).outIoasId()};
            int device = vmm.open("/dev/vfio/devices/vfio0");
            vmm.ioctl(device, VfioDeviceBindIommufd.of(iommufd));
            vmm.ioctl(device, VfioDeviceAttachIommufdPt.of(ioas[0]));
            int mtty = vmm.open("/dev/vfio/devices/vfio3");
            vmm.ioctl(mtty, VfioDeviceBindIommufd.of(iommufd));
            vmm.ioctl(mtty, VfioDeviceAttachIommufdPt.of(ioas[0]));
            return new Vmm(vmm, iommufd, ioas, device, mtty, vmm.mmap(SLOT * 16));
        }
    }

    @Property(tries = 200)
    void changesReplayedOnASnapshotTakenAnywhereGiveBackTheSameHost(@ForAll("operations") List<Operation> operations,
            @ForAll @IntRange(min = 0, max = 40) int snapshotAfter) {
        Host host = TestHosts.boot(BusyHosts.topology(KernelProfile.V11));
        List<JournalEntry> changes = new ArrayList<>();
        host.recordChangesTo(changes::add);
        Vmm vmm = Vmm.start(host);
        HostSnapshot snapshot = null;
        int changesBeforeSnapshot = 0;
        for (int i = 0; i < operations.size(); i++) {
            if (i == Math.min(snapshotAfter, operations.size() - 1)) {
                snapshot = HostSnapshot.of(host);
                changesBeforeSnapshot = changes.size();
            }
            vmm = apply(host, vmm, operations.get(i));
        }
        String expected = HostState.describe(host);

        Host fromBoot = Host.boot(host.topology());
        changes.forEach(change -> JournalReplay.rerun(fromBoot, change));
        assertThat(HostState.describe(fromBoot)).isEqualTo(expected);

        if (snapshot != null) {
            Host fromSnapshot = snapshot.restore();
            changes.subList(changesBeforeSnapshot, changes.size()).forEach(change -> JournalReplay.rerun(fromSnapshot, change));
            assertThat(HostState.describe(fromSnapshot)).isEqualTo(expected);
        }
    }

    @Test
    void anExitIsHandedOutThoughTheCompactedJournalForgetsTheProcess() {
        Host host = TestHosts.boot(BusyHosts.topology(KernelProfile.V11));
        List<JournalEntry> changes = new ArrayList<>();
        host.recordChangesTo(changes::add);
        TestProcess vmm = TestProcess.spawn(host);
        vmm.open("/dev/iommu");
        vmm.exit();

        assertThat(changes).containsExactly(
                new JournalEntry.Spawn(vmm.pid(), new ProcessSpec("vmm", 1000, Set.of(), TestProcess.MEMLOCK)),
                new JournalEntry.Open(vmm.pid(), "/dev/iommu", TestProcess.O_RDWR, 0),
                new JournalEntry.Exit(vmm.pid()));
        assertThat(host.journal()).isEmpty();
    }

    @Test
    void aChangeThatAnswersDifferentlyOnReplayIsRefused() {
        Host host = TestHosts.boot(BusyHosts.topology(KernelProfile.V11));
        int pid = TestProcess.spawn(host).pid();

        assertThatThrownBy(() -> JournalReplay.rerun(host, new JournalEntry.Open(pid, "/dev/iommu", 2, 3)))
                .isInstanceOf(SnapshotException.class)
                .hasMessage("diverged on replay: the fd differs: recorded 3, replayed 0");
        assertThatThrownBy(() -> JournalReplay.rerun(host, new JournalEntry.Exit(pid + 1)))
                .isInstanceOf(SnapshotException.class)
                .hasMessageStartingWith("diverged on replay: exit of pid " + (pid + 1) + " succeeded when recorded, now fails with ESRCH");
    }

    private static Vmm apply(Host host, Vmm vmm, Operation operation) {
        TestProcess process = vmm.process();
        try {
            switch (operation) {
                case MapFixed map -> process.ioctl(vmm.iommufd(), IommuIoasMap.of(READ_WRITE | IommuIoasMap.FIXED_IOVA, vmm.ioas()[0],
                        vmm.memory() + map.slot() * 4096L, map.pages() * 4096L, BASE + map.slot() * SLOT));
                case MapAuto map -> process.ioctl(vmm.iommufd(), IommuIoasMap.of(READ_WRITE, vmm.ioas()[1], vmm.memory(),
                        map.pages() * 4096L, 0));
                case Unmap unmap -> process.ioctl(vmm.iommufd(), IommuIoasUnmap.of(vmm.ioas()[0], BASE + unmap.slot() * SLOT,
                        unmap.slots() * SLOT));
                case Copy copy -> process.ioctl(vmm.iommufd(), new IommuIoasCopy(IommuIoasCopy.SIZE, READ_WRITE, vmm.ioas()[1],
                        vmm.ioas()[0], 4096, 0, BASE + copy.slot() * SLOT));
                case Pin pin -> host.accessPin(process.pid(), vmm.mtty(), new IommufdAccess.Pin(BASE + pin.slot() * SLOT, 4096, true));
                case Reset reset -> process.ioctl(vmm.device(), new VfioDeviceReset());
                case Restart restart -> {
                    process.exit();
                    return Vmm.start(host);
                }
            }
        } catch (KernelException refused) {
            // refusals are part of the sequence: what they changed is recorded too
        }
        return vmm;
    }

    @Provide
    Arbitrary<List<Operation>> operations() {
        Arbitrary<Integer> slot = Arbitraries.integers().between(0, 7);
        Arbitrary<Integer> pages = Arbitraries.integers().between(1, 4);
        Arbitrary<Operation> operation = Arbitraries.frequencyOf(
                Tuple.of(6, Combinators.combine(slot, pages).as(MapFixed::new)),
                Tuple.of(3, pages.map(MapAuto::new)),
                Tuple.of(6, Combinators.combine(slot, Arbitraries.integers().between(1, 3)).as(Unmap::new)),
                Tuple.of(2, slot.map(Copy::new)),
                Tuple.of(2, slot.map(Pin::new)),
                Tuple.of(1, Arbitraries.just(new Reset())),
                Tuple.of(1, Arbitraries.just(new Restart())));
        return operation.list().ofMinSize(1).ofMaxSize(40);
    }
}
