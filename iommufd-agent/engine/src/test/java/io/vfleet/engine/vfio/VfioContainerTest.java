package io.vfleet.engine.vfio;

import static io.vfleet.engine.TestProcess.fails;
import static org.assertj.core.api.Assertions.assertThat;

import io.vfleet.engine.Errno;
import io.vfleet.engine.Host;
import io.vfleet.engine.TestHosts;
import io.vfleet.engine.TestProcess;
import io.vfleet.engine.process.AddressSpace;
import io.vfleet.engine.process.Capability;
import io.vfleet.engine.process.ProcessSpec;
import io.vfleet.engine.uapi.Ioctl.UnknownIoctl;
import io.vfleet.engine.uapi.Ioctl.VfioCheckExtension;
import io.vfleet.engine.uapi.Ioctl.VfioGetApiVersion;
import io.vfleet.engine.uapi.Ioctl.VfioGroupGetDeviceFd;
import io.vfleet.engine.uapi.Ioctl.VfioGroupSetContainer;
import io.vfleet.engine.uapi.Ioctl.VfioIommuMapDma;
import io.vfleet.engine.uapi.Ioctl.VfioIommuUnmapDma;
import io.vfleet.engine.uapi.Ioctl.VfioSetIommu;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The legacy container, {@code /dev/vfio/vfio} with the type1 and noiommu backends (KERNEL.md §6.1),
 * on the simple host: groups 10 and 11, each with one device with the x86 defaults (48-bit
 * aperture, MSI window reserved).
 */
class VfioContainerTest {
    private static final long PAGE = AddressSpace.PAGE_SIZE;
    private static final int RW = VfioIommuMapDma.FLAG_READ | VfioIommuMapDma.FLAG_WRITE;
    private static final long IOVA = 1L << 32;

    private final Host host = TestHosts.boot(TestHosts.simpleHost(2, "v11"));
    private final TestProcess vmm = TestProcess.spawn(host);
    private final int container = vmm.open("/dev/vfio/vfio");

    /** Group 10 in the container with {@code type} set; returns the group fd. */
    private int typeOneContainer(TestProcess process, int containerFd, int type) {
        int group = process.open("/dev/vfio/10");
        process.ioctl(group, new VfioGroupSetContainer(containerFd));
        process.ioctl(containerFd, new VfioSetIommu(type));
        return group;
    }

    private long mapPages(long iova, long pages) {
        long memory = vmm.mmap(pages * PAGE);
        vmm.ioctl(container, VfioIommuMapDma.of(RW, memory, iova, pages * PAGE));
        return memory;
    }

    private long unmap(long iova, long size) {
        return vmm.ioctl(container, VfioIommuUnmapDma.of(0, iova, size)).size();
    }

    private VfioContainer model() {
        return host.vfioDevice("0000:01:00.0").group().container();
    }

    @Test
    void aGroupWhoseReservedRegionTheContainerAlreadyMapsCannotJoinIt() {
        Host reserving = TestHosts.boot("""
                hostname: reserving
                devices:
                  - {bdf: 0000:00:01.0, id: {vendor: 0x8086, device: 0xa70d, class: 0x060400}, driver: pcieport, iommuGroup: 1, reset: {secondaryBusReset: true}}
                  - {bdf: 0000:01:00.0, id: {vendor: 0x10de, device: 0x2330, class: 0x030200}, driver: vfio-pci, iommuGroup: 10, upstreamBridge: 0000:00:01.0}
                  - bdf: 0000:01:00.1
                    id: {vendor: 0x10de, device: 0x2330, class: 0x030200}
                    driver: vfio-pci
                    iommuGroup: 11
                    upstreamBridge: 0000:00:01.0
                    iommu: {reservedRegions: [{start: 0x100000000, last: 0x1000fffff, type: reserved}]}
                """);
        TestProcess process = TestProcess.spawn(reserving);
        int containerFd = process.open("/dev/vfio/vfio");
        typeOneContainer(process, containerFd, VfioCheckExtension.TYPE1V2_IOMMU);
        long memory = process.mmap(PAGE);
        process.ioctl(containerFd, VfioIommuMapDma.of(RW, memory, 0x100000000L, PAGE));
        int second = process.open("/dev/vfio/11");

        fails(Errno.EINVAL, () -> process.ioctl(second, new VfioGroupSetContainer(containerFd)));
        assertThat(reserving.vfioDevice("0000:01:00.1").iommuGroup().isViable()).isTrue();
        assertThat(reserving.vfioDevice("0000:01:00.1").group().container()).isNull();
    }

    // ---- API version and extensions ----

    @Test
    void theApiVersionIsZero() {
        assertThat(vmm.ioctl(container, new VfioGetApiVersion()).version()).isZero();
    }

    @Test
    void checkExtensionReportsTypeOneAndUnmapAllButNotNoiommuWhenItIsOff() {
        assertThat(vmm.ioctl(container, new VfioCheckExtension(VfioCheckExtension.TYPE1_IOMMU)).supported()).isEqualTo(1);
        assertThat(vmm.ioctl(container, new VfioCheckExtension(VfioCheckExtension.TYPE1V2_IOMMU)).supported()).isEqualTo(1);
        assertThat(vmm.ioctl(container, new VfioCheckExtension(VfioCheckExtension.UNMAP_ALL)).supported()).isEqualTo(1);
        assertThat(vmm.ioctl(container, new VfioCheckExtension(VfioCheckExtension.NOIOMMU_IOMMU)).supported()).isZero();
        assertThat(vmm.ioctl(container, new VfioCheckExtension(2)).supported()).as("SPAPR TCE").isZero();
    }

    @Test
    void dmaCacheCoherencyIsReportedOnceABackendWithCoherentDomainsIsSet() {
        assertThat(vmm.ioctl(container, new VfioCheckExtension(VfioCheckExtension.DMA_CC_IOMMU)).supported()).isZero();

        typeOneContainer(vmm, container, VfioCheckExtension.TYPE1V2_IOMMU);

        assertThat(vmm.ioctl(container, new VfioCheckExtension(VfioCheckExtension.DMA_CC_IOMMU)).supported()).isEqualTo(1);
    }

    @Test
    void dmaCacheCoherencyIsNotReportedWhenADeviceCannotEnforceIt() {
        Host nonCoherent = TestHosts.boot(TestHosts.simpleHost(1, "v11").replace("reset: {functionReset: true}",
                "reset: {functionReset: true}\n    iommu: {cacheCoherent: false}"));
        TestProcess process = TestProcess.spawn(nonCoherent);
        int containerFd = process.open("/dev/vfio/vfio");
        typeOneContainer(process, containerFd, VfioCheckExtension.TYPE1V2_IOMMU);

        assertThat(process.ioctl(containerFd, new VfioCheckExtension(VfioCheckExtension.DMA_CC_IOMMU)).supported()).isZero();
    }

    @Test
    void anUnknownIoctlIsEinvalWithoutABackendAndEnottyWithTypeOne() {
        fails(Errno.EINVAL, () -> vmm.ioctl(container, new UnknownIoctl(';', 0x73)));

        typeOneContainer(vmm, container, VfioCheckExtension.TYPE1V2_IOMMU);

        fails(Errno.ENOTTY, () -> vmm.ioctl(container, new UnknownIoctl(';', 0x73)));
    }

    // ---- SET_IOMMU ----

    @Test
    void setIommuWithoutAGroupIsEinval() {
        fails(Errno.EINVAL, () -> vmm.ioctl(container, new VfioSetIommu(VfioCheckExtension.TYPE1V2_IOMMU)));
    }

    @Test
    void setIommuTwiceIsEinval() {
        typeOneContainer(vmm, container, VfioCheckExtension.TYPE1V2_IOMMU);

        fails(Errno.EINVAL, () -> vmm.ioctl(container, new VfioSetIommu(VfioCheckExtension.TYPE1V2_IOMMU)));
        assertThat(model().backend()).isEqualTo(VfioContainer.Backend.TYPE1V2);
    }

    @Test
    void setIommuOfATypeNoBackendOffersIsEnodev() {
        vmm.ioctl(vmm.open("/dev/vfio/10"), new VfioGroupSetContainer(container));

        fails(Errno.ENODEV, () -> vmm.ioctl(container, new VfioSetIommu(2)));
        fails(Errno.ENODEV, () -> vmm.ioctl(container, new VfioSetIommu(VfioCheckExtension.NOIOMMU_IOMMU)));
        assertThat(model().backend()).isNull();
    }

    @Test
    void theNoiommuBackendServesNoiommuGroupsOnlyAndHasNoDmaMapping() {
        Host noiommu = Host.boot(TestHosts.shipped("noiommu-host"));
        TestProcess process = TestProcess.spawn(noiommu, Capability.CAP_SYS_RAWIO);
        int containerFd = process.open("/dev/vfio/vfio");
        int group = process.open("/dev/vfio/" + noiommu.vfioDevice("0000:00:03.0").group().nodeName());
        process.ioctl(group, new VfioGroupSetContainer(containerFd));

        assertThat(process.ioctl(containerFd, new VfioCheckExtension(VfioCheckExtension.TYPE1V2_IOMMU)).supported()).isZero();
        assertThat(process.ioctl(containerFd, new VfioCheckExtension(VfioCheckExtension.NOIOMMU_IOMMU)).supported()).isEqualTo(1);
        fails(Errno.ENODEV, () -> process.ioctl(containerFd, new VfioSetIommu(VfioCheckExtension.TYPE1V2_IOMMU)));
        process.ioctl(containerFd, new VfioSetIommu(VfioCheckExtension.NOIOMMU_IOMMU));
        assertThat(process.ioctl(group, new VfioGroupGetDeviceFd("0000:00:03.0")).fd()).isNotNegative();
        long memory = process.mmap(PAGE);
        fails(Errno.ENOTTY, () -> process.ioctl(containerFd, VfioIommuMapDma.of(RW, memory, IOVA, PAGE)));
    }

    @Test
    void aContainerNeverMixesNoiommuAndRealGroups() {
        Host noiommu = Host.boot(TestHosts.shipped("noiommu-host"));
        TestProcess process = TestProcess.spawn(noiommu, Capability.CAP_SYS_RAWIO);
        int fake = process.open("/dev/vfio/" + noiommu.vfioDevice("0000:00:03.0").group().nodeName());
        int real = process.open("/dev/vfio/7");
        int first = process.open("/dev/vfio/vfio");
        process.ioctl(fake, new VfioGroupSetContainer(first));

        fails(Errno.EPERM, () -> process.ioctl(real, new VfioGroupSetContainer(first)));

        int second = process.open("/dev/vfio/vfio");
        process.ioctl(real, new VfioGroupSetContainer(second));
        int otherFake = process.open("/dev/vfio/" + noiommu.vfioDevice("0000:00:04.0").group().nodeName());
        fails(Errno.EPERM, () -> process.ioctl(otherFake, new VfioGroupSetContainer(second)));
    }

    // ---- MAP_DMA ----

    @Test
    void mapDmaWithoutABackendIsEinval() {
        long memory = vmm.mmap(PAGE);

        fails(Errno.EINVAL, () -> vmm.ioctl(container, VfioIommuMapDma.of(RW, memory, IOVA, PAGE)));
    }

    @Test
    void mapDmaRefusesMalformedRequestsWithEinval() {
        typeOneContainer(vmm, container, VfioCheckExtension.TYPE1V2_IOMMU);
        long memory = vmm.mmap(2 * PAGE);

        fails(Errno.EINVAL, () -> vmm.ioctl(container, new VfioIommuMapDma(31, RW, memory, IOVA, PAGE)));
        fails(Errno.EINVAL, () -> vmm.ioctl(container, VfioIommuMapDma.of(RW | 8, memory, IOVA, PAGE)));
        fails(Errno.EINVAL, () -> vmm.ioctl(container, VfioIommuMapDma.of(0, memory, IOVA, PAGE)));
        fails(Errno.EINVAL, () -> vmm.ioctl(container, VfioIommuMapDma.of(RW, memory, IOVA, 0)));
        fails(Errno.EINVAL, () -> vmm.ioctl(container, VfioIommuMapDma.of(RW, memory, IOVA + 1, PAGE)));
        fails(Errno.EINVAL, () -> vmm.ioctl(container, VfioIommuMapDma.of(RW, memory + 1, IOVA, PAGE)));
        fails(Errno.EINVAL, () -> vmm.ioctl(container, VfioIommuMapDma.of(RW, memory, IOVA, PAGE + 1)));
        fails(Errno.EINVAL, () -> vmm.ioctl(container, VfioIommuMapDma.of(RW, memory, -PAGE, 2 * PAGE)));
        assertThat(model().mappings()).isEmpty();
    }

    @Test
    void mapDmaOverlappingAMappingIsEexist() {
        typeOneContainer(vmm, container, VfioCheckExtension.TYPE1V2_IOMMU);
        mapPages(IOVA, 4);
        long memory = vmm.mmap(4 * PAGE);

        fails(Errno.EEXIST, () -> vmm.ioctl(container, VfioIommuMapDma.of(RW, memory, IOVA + 3 * PAGE, 4 * PAGE)));
        fails(Errno.EEXIST, () -> vmm.ioctl(container, VfioIommuMapDma.of(RW, memory, IOVA - 3 * PAGE, 4 * PAGE)));
        vmm.ioctl(container, VfioIommuMapDma.of(RW, memory, IOVA + 4 * PAGE, 4 * PAGE));
    }

    @Test
    void mapDmaOutsideTheApertureOrIntoTheMsiWindowIsEinval() {
        typeOneContainer(vmm, container, VfioCheckExtension.TYPE1V2_IOMMU);
        long memory = vmm.mmap(PAGE);

        fails(Errno.EINVAL, () -> vmm.ioctl(container, VfioIommuMapDma.of(RW, memory, 1L << 48, PAGE)));
        fails(Errno.EINVAL, () -> vmm.ioctl(container, VfioIommuMapDma.of(RW, memory, 0xFEE00000L, PAGE)));
        vmm.ioctl(container, VfioIommuMapDma.of(RW, memory, (1L << 48) - PAGE, PAGE));
    }

    @Test
    void mapDmaAtTheEntryLimitIsEnospc() {
        TestProcess locked = TestProcess.spawn(host, Capability.CAP_IPC_LOCK);
        int containerFd = locked.open("/dev/vfio/vfio");
        typeOneContainer(locked, containerFd, VfioCheckExtension.TYPE1V2_IOMMU);
        long memory = locked.mmap(PAGE);
        for (int entry = 0; entry < VfioContainer.DMA_ENTRY_LIMIT; entry++) {
            locked.ioctl(containerFd, VfioIommuMapDma.of(RW, memory, IOVA + entry * PAGE, PAGE));
        }

        fails(Errno.ENOSPC, () -> locked.ioctl(containerFd, VfioIommuMapDma.of(RW, memory, 0, PAGE)));
        fails("the entry limit is checked before the IOVA ranges", Errno.ENOSPC,
                () -> locked.ioctl(containerFd, VfioIommuMapDma.of(RW, memory, 1L << 48, PAGE)));

        locked.ioctl(containerFd, VfioIommuUnmapDma.of(0, IOVA, PAGE));
        locked.ioctl(containerFd, VfioIommuMapDma.of(RW, memory, 0, PAGE));
    }

    @Test
    void mapDmaChargesTheMappersLockedMemoryAndFailsEnomemPastItsLimit() {
        TestProcess small = TestProcess.spawn(host, new ProcessSpec("small", 1000, Set.of(), 16 * PAGE));
        int containerFd = small.open("/dev/vfio/vfio");
        typeOneContainer(small, containerFd, VfioCheckExtension.TYPE1V2_IOMMU);
        long memory = small.mmap(32 * PAGE);

        small.ioctl(containerFd, VfioIommuMapDma.of(RW, memory, IOVA, 10 * PAGE));
        fails(Errno.ENOMEM, () -> small.ioctl(containerFd, VfioIommuMapDma.of(RW, memory, IOVA + 16 * PAGE, 7 * PAGE)));

        assertThat(host.inspect(() -> host.process(small.pid()).lockedVmPages())).isEqualTo(10);
        small.ioctl(containerFd, VfioIommuUnmapDma.of(0, IOVA, 10 * PAGE));
        assertThat(host.inspect(() -> host.process(small.pid()).lockedVmPages())).isZero();
    }

    @Test
    void mapDmaOfMemoryThatCannotBePinnedIsEfault() {
        typeOneContainer(vmm, container, VfioCheckExtension.TYPE1V2_IOMMU);
        long readOnly = vmm.mmap(PAGE, AddressSpace.PROT_READ);
        long unmapped = vmm.mmap(PAGE);
        vmm.munmap(unmapped, PAGE);

        fails(Errno.EFAULT, () -> vmm.ioctl(container, VfioIommuMapDma.of(RW, unmapped, IOVA, PAGE)));
        fails(Errno.EFAULT, () -> vmm.ioctl(container, VfioIommuMapDma.of(RW, readOnly, IOVA, PAGE)));
        vmm.ioctl(container, VfioIommuMapDma.of(VfioIommuMapDma.FLAG_READ, readOnly, IOVA, PAGE));
    }

    // ---- UNMAP_DMA ----

    @Test
    void typeOneVersionTwoRefusesToSplitAMapping() {
        typeOneContainer(vmm, container, VfioCheckExtension.TYPE1V2_IOMMU);
        mapPages(IOVA, 4);

        fails(Errno.EINVAL, () -> unmap(IOVA + PAGE, PAGE));
        fails(Errno.EINVAL, () -> unmap(IOVA, 2 * PAGE));
        fails(Errno.EINVAL, () -> unmap(IOVA - PAGE, 2 * PAGE));
        assertThat(unmap(IOVA, 4 * PAGE)).isEqualTo(4 * PAGE);
    }

    @Test
    void typeOneVersionOneUnmapsWholeMappingsThatStartInsideTheRangeAndNothingFromTheMiddle() {
        typeOneContainer(vmm, container, VfioCheckExtension.TYPE1_IOMMU);
        mapPages(IOVA, 4);

        assertThat(unmap(IOVA + PAGE, PAGE)).as("a range starting inside a mapping unmaps nothing").isZero();
        assertThat(unmap(IOVA, PAGE)).as("a range covering the start unmaps the whole mapping").isEqualTo(4 * PAGE);
        assertThat(model().mappings()).isEmpty();
    }

    @Test
    void unmappingARangeWithNothingMappedSucceedsWithSizeZero() {
        typeOneContainer(vmm, container, VfioCheckExtension.TYPE1V2_IOMMU);
        mapPages(IOVA, 1);

        assertThat(unmap(IOVA + 16 * PAGE, 16 * PAGE)).isZero();
        assertThat(model().mappings()).hasSize(1);
    }

    @Test
    void unmapRefusesMalformedRangesWithEinval() {
        typeOneContainer(vmm, container, VfioCheckExtension.TYPE1V2_IOMMU);

        fails(Errno.EINVAL, () -> unmap(IOVA, 0));
        fails(Errno.EINVAL, () -> unmap(IOVA + 1, PAGE));
        fails(Errno.EINVAL, () -> unmap(IOVA, PAGE + 1));
        fails(Errno.EINVAL, () -> unmap(-PAGE, 2 * PAGE));
        fails(Errno.EINVAL, () -> vmm.ioctl(container, new VfioIommuUnmapDma(23, 0, IOVA, PAGE)));
        fails(Errno.EINVAL, () -> vmm.ioctl(container, VfioIommuUnmapDma.of(1 << 3, IOVA, PAGE)));
    }

    @Test
    void unmapAllNeedsIovaAndSizeZeroAndReturnsEverythingItRemoved() {
        typeOneContainer(vmm, container, VfioCheckExtension.TYPE1V2_IOMMU);
        mapPages(IOVA, 2);
        mapPages(IOVA + 8 * PAGE, 3);

        fails(Errno.EINVAL, () -> vmm.ioctl(container, VfioIommuUnmapDma.of(VfioIommuUnmapDma.FLAG_ALL, IOVA, 0)));
        fails(Errno.EINVAL, () -> vmm.ioctl(container, VfioIommuUnmapDma.of(VfioIommuUnmapDma.FLAG_ALL, 0, PAGE)));

        assertThat(vmm.ioctl(container, VfioIommuUnmapDma.of(VfioIommuUnmapDma.FLAG_ALL, 0, 0)).size()).isEqualTo(5 * PAGE);
        assertThat(vmm.ioctl(container, VfioIommuUnmapDma.of(VfioIommuUnmapDma.FLAG_ALL, 0, 0)).size()).isZero();
    }

    @Test
    void theLastGroupLeavingDropsTheBackendAndItsMappings() {
        int group = typeOneContainer(vmm, container, VfioCheckExtension.TYPE1V2_IOMMU);
        mapPages(IOVA, 2);

        vmm.close(group);

        assertThat(host.vfioDevice("0000:01:00.0").iommuGroup().isOwned()).isFalse();
        assertThat(host.inspect(() -> host.process(vmm.pid()).lockedVmPages())).isZero();
        fails(Errno.EINVAL, () -> unmap(IOVA, 2 * PAGE));
    }
}
