package io.vfleet.engine.iommufd;

import static io.vfleet.engine.TestProcess.fails;
import static org.assertj.core.api.Assertions.assertThat;

import io.vfleet.engine.Errno;
import io.vfleet.engine.FaultInjection;
import io.vfleet.engine.Host;
import io.vfleet.engine.TestHosts;
import io.vfleet.engine.TestProcess;
import io.vfleet.engine.process.Capability;
import io.vfleet.engine.uapi.Ioctl.IommuDestroy;
import io.vfleet.engine.uapi.Ioctl.IommuHwptAlloc;
import io.vfleet.engine.uapi.Ioctl.IommuIoasAlloc;
import io.vfleet.engine.uapi.Ioctl.IommuIoasMap;
import io.vfleet.engine.uapi.Ioctl.VfioDeviceAttachIommufdPt;
import io.vfleet.engine.uapi.Ioctl.VfioDeviceBindIommufd;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The object table of a context, seen through the ioctls that fill it (KERNEL.md §2.1): IDs are
 * the lowest free number from 1, a destroyed ID comes back, a create that fails gives its ID back,
 * and an object with dependents cannot be destroyed.
 */
class ObjectTableTest {
    private static final long MSI_WINDOW = 0xfee0_0000L;

    private TestProcess vmm;
    private int iommufd;

    @BeforeEach
    void openContext() {
        Host host = TestHosts.boot(TestHosts.simpleHost(1, "v11"));
        vmm = TestProcess.spawn(host, Capability.CAP_IPC_LOCK);
        iommufd = vmm.open("/dev/iommu");
    }

    @AfterEach
    void disarmFaults() {
        FaultInjection.disarm();
    }

    private int allocIoas() {
        return vmm.ioctl(iommufd, IommuIoasAlloc.of()).outIoasId();
    }

    private int bindDevice() {
        int device = vmm.open("/dev/vfio/devices/vfio0");
        return vmm.ioctl(device, VfioDeviceBindIommufd.of(iommufd)).outDevid();
    }

    @Test
    void idsStartAtOneAndCountUp() {
        assertThat(allocIoas()).isEqualTo(1);
        assertThat(allocIoas()).isEqualTo(2);
        assertThat(allocIoas()).isEqualTo(3);
    }

    @Test
    void theLowestDestroyedIdIsReusedFirst() {
        allocIoas();
        allocIoas();
        allocIoas();
        allocIoas();
        vmm.ioctl(iommufd, IommuDestroy.of(3));
        vmm.ioctl(iommufd, IommuDestroy.of(2));
        assertThat(allocIoas()).isEqualTo(2);
        assertThat(allocIoas()).isEqualTo(3);
        assertThat(allocIoas()).isEqualTo(5);
    }

    @Test
    void idZeroAndUnknownIdsAreEnoent() {
        allocIoas();
        fails(Errno.ENOENT, () -> vmm.ioctl(iommufd, IommuDestroy.of(0)));
        fails(Errno.ENOENT, () -> vmm.ioctl(iommufd, IommuDestroy.of(2)));
        fails(Errno.ENOENT, () -> vmm.ioctl(iommufd, IommuDestroy.of(-1)));
        vmm.ioctl(iommufd, IommuDestroy.of(1));
        fails(Errno.ENOENT, () -> vmm.ioctl(iommufd, IommuDestroy.of(1)));
    }

    @Test
    void aFailedAllocationGivesNoIdAway() {
        FaultInjection.failNth(1);
        fails(Errno.ENOMEM, () -> allocIoas());
        FaultInjection.disarm();
        assertThat(allocIoas()).isEqualTo(1);
    }

    @Test
    void aFailedAutoHwptCreateBurnsNoId() {
        int ioas = allocIoas();
        long memory = vmm.mmap(0x1000);
        vmm.ioctl(iommufd, IommuIoasMap.of(IommuIoasMap.READABLE | IommuIoasMap.FIXED_IOVA, ioas, memory, 0x1000, MSI_WINDOW));
        int device = vmm.open("/dev/vfio/devices/vfio0");
        vmm.ioctl(device, VfioDeviceBindIommufd.of(iommufd));
        fails(Errno.EADDRINUSE, () -> vmm.ioctl(device, VfioDeviceAttachIommufdPt.of(ioas)));
        assertThat(allocIoas()).isEqualTo(3);
    }

    @Test
    void aFailedHwptAllocBurnsNoId() {
        int ioas = allocIoas();
        long memory = vmm.mmap(0x1000);
        vmm.ioctl(iommufd, IommuIoasMap.of(IommuIoasMap.READABLE | IommuIoasMap.FIXED_IOVA, ioas, memory, 0x1000, 1L << 50));
        int devid = bindDevice();
        fails(Errno.EADDRINUSE, () -> vmm.ioctl(iommufd, IommuHwptAlloc.of(devid, ioas)));
        assertThat(allocIoas()).isEqualTo(3);
    }

    @Test
    void anObjectWithDependentsIsEbusyAndNothingChanges() {
        int ioas = allocIoas();
        int devid = bindDevice();
        int hwpt = vmm.ioctl(iommufd, IommuHwptAlloc.of(devid, ioas)).outHwptId();
        fails(Errno.EBUSY, () -> vmm.ioctl(iommufd, IommuDestroy.of(ioas)));
        fails(Errno.EBUSY, () -> vmm.ioctl(iommufd, IommuDestroy.of(devid)));
        vmm.ioctl(iommufd, IommuDestroy.of(hwpt));
        vmm.ioctl(iommufd, IommuDestroy.of(ioas));
        assertThat(allocIoas()).isEqualTo(ioas);
        assertThat(allocIoas()).isEqualTo(hwpt);
    }

    @Test
    void theDevidStaysTakenUntilUnbind() {
        allocIoas();
        int devid = bindDevice();
        assertThat(devid).isEqualTo(2);
        assertThat(allocIoas()).isEqualTo(3);
    }
}
