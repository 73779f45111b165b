package io.vfleet.engine.snapshot;

import static org.assertj.core.api.Assertions.assertThat;

import io.vfleet.engine.Host;
import io.vfleet.engine.KernelException;
import io.vfleet.engine.KernelProfile;
import io.vfleet.engine.TestHosts;
import io.vfleet.engine.TestProcess;
import io.vfleet.engine.iommufd.IommufdAccess;
import io.vfleet.engine.uapi.Ioctl.IommuIoasAlloc;
import io.vfleet.engine.uapi.Ioctl.IommuIoasCopy;
import io.vfleet.engine.uapi.Ioctl.IommuIoasMap;
import io.vfleet.engine.uapi.Ioctl.IommuIoasUnmap;
import io.vfleet.engine.uapi.Ioctl.VfioDeviceAttachIommufdPt;
import io.vfleet.engine.uapi.Ioctl.VfioDeviceBindIommufd;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Whatever a VMM does to its IOASes (fixed and automatic maps, exact, covering and failing
 * unmaps, copies, emulated-device pins), the compacted journal replays to the same host, and the
 * restored host journals itself to the same snapshot.
 */
class JournalCompactionTest {
    private static final long SLOT = 0x10000;
    private static final long BASE = 0x100000;
    private static final int READ_WRITE = IommuIoasMap.READABLE | IommuIoasMap.WRITEABLE;

    sealed interface Operation {
    }

    record MapFixed(int ioas, int slot, int pages) implements Operation {
    }

    record MapAuto(int ioas, int pages) implements Operation {
    }

    record Unmap(int ioas, int slot, int slots) implements Operation {
    }

    record UnmapAll(int ioas) implements Operation {
    }

    record Copy(int source, int destination, int slot) implements Operation {
    }

    record Pin(int slot) implements Operation {
    }

    record Unpin(int slot) implements Operation {
    }

    @Property(tries = 300)
    void compactedJournalReplaysToTheSameHost(@ForAll("operations") List<Operation> operations) {
        Host host = TestHosts.boot(BusyHosts.topology(KernelProfile.V11));
        TestProcess vmm = TestProcess.spawn(host);
        int iommufd = vmm.open("/dev/iommu");
        int[] ioas = {vmm.ioctl(iommufd, IommuIoasAlloc.of()).outIoasId(), vmm.ioctl(iommufd, IommuIoasAlloc.of()).outIoasId()};
        int device = vmm.open("/dev/vfio/devices/vfio0");
        vmm.ioctl(device, VfioDeviceBindIommufd.of(iommufd));
        vmm.ioctl(device, VfioDeviceAttachIommufdPt.of(ioas[0]));
        int mtty = vmm.open("/dev/vfio/devices/vfio3");
        vmm.ioctl(mtty, VfioDeviceBindIommufd.of(iommufd));
        vmm.ioctl(mtty, VfioDeviceAttachIommufdPt.of(ioas[0]));
        long memory = vmm.mmap(SLOT * 16);

        for (Operation operation : operations) {
            try {
                switch (operation) {
                    case MapFixed map -> vmm.ioctl(iommufd, IommuIoasMap.of(READ_WRITE | IommuIoasMap.FIXED_IOVA, ioas[map.ioas()],
                            memory + map.slot() * 4096L, map.pages() * 4096L, BASE + map.slot() * SLOT));
                    case MapAuto map -> vmm.ioctl(iommufd, IommuIoasMap.of(READ_WRITE, ioas[map.ioas()], memory, map.pages() * 4096L, 0));
                    case Unmap unmap -> vmm.ioctl(iommufd, IommuIoasUnmap.of(ioas[unmap.ioas()], BASE + unmap.slot() * SLOT,
                            unmap.slots() * SLOT));
                    case UnmapAll unmap -> vmm.ioctl(iommufd, IommuIoasUnmap.all(ioas[unmap.ioas()]));
                    case Copy copy -> vmm.ioctl(iommufd, new IommuIoasCopy(IommuIoasCopy.SIZE, READ_WRITE, ioas[copy.destination()],
                            ioas[copy.source()], 4096, 0, BASE + copy.slot() * SLOT));
                    case Pin pin -> host.accessPin(vmm.pid(), mtty, new IommufdAccess.Pin(BASE + pin.slot() * SLOT, 4096, true));
                    case Unpin unpin -> host.accessUnpin(vmm.pid(), mtty, BASE + unpin.slot() * SLOT, 4096);
                }
            } catch (KernelException refused) {
                // refusals are part of the sequence: the journal must cope with what they left
            }
        }

        Host restored = HostSnapshot.of(host).restore();
        assertThat(HostState.describe(restored)).isEqualTo(HostState.describe(host));
        // Replay may compact further than the original run could: a map kept only because a call
        // that compaction later dropped (an automatic-IOVA map undone by its unmap) made it permanent
        // can be cancelled on replay. The journal never grows, and restores to the same host again.
        HostSnapshot again = HostSnapshot.of(restored);
        assertThat(restored.journal().size()).isLessThanOrEqualTo(host.journal().size());
        assertThat(HostState.describe(again.restore())).isEqualTo(HostState.describe(host));
    }

    @Provide
    Arbitrary<List<Operation>> operations() {
        Arbitrary<Integer> ioas = Arbitraries.integers().between(0, 1);
        Arbitrary<Integer> slot = Arbitraries.integers().between(0, 7);
        Arbitrary<Integer> pages = Arbitraries.integers().between(1, 4);
        Arbitrary<Operation> operation = Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(6, Combinators.combine(ioas, slot, pages).as(MapFixed::new)),
                net.jqwik.api.Tuple.of(3, Combinators.combine(ioas, pages).as(MapAuto::new)),
                net.jqwik.api.Tuple.of(6, Combinators.combine(ioas, slot, Arbitraries.integers().between(1, 3)).as(Unmap::new)),
                net.jqwik.api.Tuple.of(1, ioas.map(UnmapAll::new)),
                net.jqwik.api.Tuple.of(2, Combinators.combine(ioas, ioas, slot).as(Copy::new)),
                net.jqwik.api.Tuple.of(2, slot.map(Pin::new)),
                net.jqwik.api.Tuple.of(1, slot.map(Unpin::new)));
        return operation.list().ofMaxSize(40);
    }
}
