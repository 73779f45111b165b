package io.vfleet.engine.process;

import static io.vfleet.engine.TestProcess.fails;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.groups.Tuple.tuple;

import io.vfleet.engine.Errno;
import io.vfleet.engine.Host;
import io.vfleet.engine.TestHosts;
import io.vfleet.engine.TestProcess;
import io.vfleet.engine.uapi.Ioctl.IommuIoasAlloc;
import io.vfleet.engine.uapi.Ioctl.IommuIoasMap;
import io.vfleet.engine.uapi.Ioctl.VfioDeviceAttachIommufdPt;
import io.vfleet.engine.uapi.Ioctl.VfioDeviceBindIommufd;
import org.junit.jupiter.api.Test;

/** Processes, their fd tables and their user memory: the part of the kernel every ioctl stands on. */
class ProcessTest {
    private final Host host = TestHosts.boot(TestHosts.simpleHost(1, "v11"));
    private final TestProcess vmm = TestProcess.spawn(host);

    @Test
    void systemCallsOfAnUnknownPidAreEsrch() {
        fails(Errno.ESRCH, () -> host.open(4242, "/dev/iommu", 2));
        fails(Errno.ESRCH, () -> host.exit(4242));
    }

    @Test
    void fdsAreTheLowestFreeNumberAndAClosedOneIsReused() {
        int first = vmm.open("/dev/iommu");
        int second = vmm.open("/dev/iommu");
        int third = vmm.open("/dev/iommu");
        vmm.close(second);
        assertThat(new int[] {first, second, third}).containsExactly(0, 1, 2);
        assertThat(vmm.open("/dev/iommu")).isEqualTo(1);
        fails(Errno.EBADF, () -> vmm.close(second + 10));
    }

    @Test
    void theFdTableEndsAtRlimitNofileWithEmfile() {
        for (int fd = 0; fd < FileTable.MAX_FILES; fd++) {
            vmm.open("/dev/iommu");
        }
        fails(Errno.EMFILE, () -> vmm.open("/dev/iommu"));
    }

    @Test
    void pathsThatDoNotExistAreEnoent() {
        fails(Errno.ENOENT, () -> vmm.open(""));
        fails(Errno.ENOENT, () -> vmm.open("/dev/vfio/devices/vfio7"));
        fails(Errno.ENOENT, () -> vmm.open("/dev/vfio/devices/vfio+0"));
        fails(Errno.ENOENT, () -> vmm.open("/dev/vfio/42"));
        fails(Errno.ENOENT, () -> vmm.open("/etc/passwd"));
    }

    @Test
    void mmapRefusesEmptyOversizedAndUnknownProtections() {
        fails(Errno.EINVAL, () -> vmm.mmap(0));
        fails(Errno.EINVAL, () -> vmm.mmap(1L << 62));
        fails(Errno.EINVAL, () -> vmm.mmap(4096, 0x10));
    }

    @Test
    void userSpaceRunsOutOfAddressesWithEnomem() {
        vmm.mmap(0x7fff_0000_0000L - AddressSpace.MMAP_BASE);
        fails(Errno.ENOMEM, () -> vmm.mmap(0x10_0000_0000L));
    }

    @Test
    void munmapNeedsAnAlignedNonEmptyUserRangeAndSplitsRegions() {
        long page = AddressSpace.PAGE_SIZE;
        long address = vmm.mmap(4 * page);
        fails(Errno.EINVAL, () -> vmm.munmap(address + 1, page));
        fails(Errno.EINVAL, () -> vmm.munmap(address, 0));
        fails(Errno.EINVAL, () -> vmm.munmap(-page, page));
        vmm.munmap(address + page, page);
        assertThat(host.inspect(() -> host.process(vmm.pid()).memory().regions()))
                .extracting(AddressSpace.Region::start, AddressSpace.Region::end)
                .containsExactly(tuple(address, address + page), tuple(address + 2 * page, address + 4 * page));
    }

    @Test
    void pinningReadOnlyMemoryForWritingIsEperm() {
        long readOnly = vmm.mmap(1 << 16, AddressSpace.PROT_READ);
        AddressSpace memory = host.inspect(() -> host.process(vmm.pid()).memory());
        fails(Errno.EPERM, () -> memory.checkPinnable(readOnly, 1 << 16, true));
        memory.checkPinnable(readOnly, 1 << 16, false);
        fails(Errno.EFAULT, () -> memory.checkPinnable(-4096L, 8192, false));
    }

    @Test
    void memoryOfAnExitedProcessCannotBePinnedAnyMore() {
        TestProcess other = TestProcess.spawn(host);
        long address = other.mmap(1 << 16);
        AddressSpace memory = host.inspect(() -> host.process(other.pid()).memory());
        other.exit();
        assertThat(memory.isDead()).isTrue();
        fails(Errno.EFAULT, () -> memory.checkPinnable(address, 1 << 16, false));
    }

    @Test
    void pagesMappedBeforeAnyDomainArePinnedAtAttachAndFailThenIfTheMemoryIsGone() {
        int iommufd = vmm.open("/dev/iommu");
        int ioas = vmm.ioctl(iommufd, IommuIoasAlloc.of()).outIoasId();
        long memory = vmm.mmap(1 << 16);
        vmm.ioctl(iommufd, IommuIoasMap.of(IommuIoasMap.READABLE | IommuIoasMap.WRITEABLE, ioas, memory, 1 << 16, 0));
        vmm.munmap(memory, 1 << 16);
        int device = vmm.open("/dev/vfio/devices/vfio0");
        vmm.ioctl(device, VfioDeviceBindIommufd.of(iommufd));
        fails(Errno.EFAULT, () -> vmm.ioctl(device, VfioDeviceAttachIommufdPt.of(ioas)));
        assertThat(host.vfioDevices().getFirst().iommufdAttached()).isFalse();
    }
}
