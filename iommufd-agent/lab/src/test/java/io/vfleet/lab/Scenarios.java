package io.vfleet.lab;

import io.vfleet.api.agent.v1.Capability;
import io.vfleet.api.agent.v1.IommuDestroy;
import io.vfleet.api.agent.v1.IommuHwptAlloc;
import io.vfleet.api.agent.v1.IommuIoasAlloc;
import io.vfleet.api.agent.v1.IommuIoasIovaRanges;
import io.vfleet.api.agent.v1.IommuIoasMap;
import io.vfleet.api.agent.v1.IommuIoasUnmap;
import io.vfleet.api.agent.v1.IommuOption;
import io.vfleet.api.agent.v1.IoctlResponse;
import io.vfleet.api.agent.v1.KvmCreateVm;
import io.vfleet.api.agent.v1.UnknownIoctl;
import io.vfleet.api.agent.v1.VfioCheckExtension;
import io.vfleet.api.agent.v1.VfioDeviceAttachIommufdPt;
import io.vfleet.api.agent.v1.VfioDeviceBindIommufd;
import io.vfleet.api.agent.v1.VfioDeviceDetachIommufdPt;
import io.vfleet.api.agent.v1.VfioDeviceGetInfo;
import io.vfleet.api.agent.v1.VfioDeviceGetPciHotResetInfo;
import io.vfleet.api.agent.v1.VfioDevicePciHotReset;
import io.vfleet.api.agent.v1.VfioDeviceReset;
import io.vfleet.api.agent.v1.VfioGetApiVersion;
import io.vfleet.api.agent.v1.VfioGroupGetDeviceFd;
import io.vfleet.api.agent.v1.VfioGroupGetStatus;
import io.vfleet.api.agent.v1.VfioGroupSetContainer;
import io.vfleet.api.agent.v1.VfioGroupUnsetContainer;
import io.vfleet.api.agent.v1.VfioIommuMapDma;
import io.vfleet.api.agent.v1.VfioIommuUnmapDma;
import io.vfleet.api.agent.v1.VfioSetIommu;
import io.vfleet.lab.LabDevices.Device;
import java.util.List;
import java.util.function.BiConsumer;

/**
 * The uAPI scenarios the suite puts to both kernels: VMM sequences as QEMU and cloud-hypervisor make them,
 * and misuse with its errno, written after the kernel's {@code tools/testing/selftests/{iommu,vfio}} and
 * KERNEL.md. Each names where it comes from. The group and container scenarios need only the stock
 * kernel; the cdev and iommufd ones need the kernel built with IOMMUFD and VFIO_DEVICE_CDEV.
 */
final class Scenarios {
    static final int TYPE1 = 1, TYPE1V2 = 3, DMA_CC = 4, NOIOMMU = 8, UNMAP_ALL = 9;
    static final long MIB = 1 << 20;
    static final int READ_WRITE = 3;

    /** One scenario: its name, where it comes from, which paths it needs, and the calls. */
    record Scenario(String name, String source, Paths paths, BiConsumer<Caller, LabDevices> body) {
    }

    /** What a scenario needs of the kernel. */
    enum Paths {
        /** vfio groups and a container on /dev/vfio/vfio: every lab kernel. */
        GROUP,
        /** IOMMUFD and the vfio device cdev: the iommufd lab kernel. */
        IOMMUFD
    }

    private Scenarios() {
    }

    static List<Scenario> all() {
        return List.of(
                new Scenario("container-api", "selftests/vfio vfio_pci_device_test; KERNEL.md §6.1, §6.2", Paths.GROUP,
                        Scenarios::containerApi),
                new Scenario("group-open-is-exclusive", "KERNEL.md §5.1", Paths.GROUP, Scenarios::groupOpenIsExclusive),
                new Scenario("device-fd-needs-a-container", "KERNEL.md §5.5", Paths.GROUP, Scenarios::deviceFdNeedsAContainer),
                new Scenario("qemu-type1-sequence", "QEMU hw/vfio/container.c: group, container, TYPE1v2, device, DMA map",
                        Paths.GROUP, Scenarios::qemuType1Sequence),
                new Scenario("container-misuse", "KERNEL.md §5.3, §5.4", Paths.GROUP, Scenarios::containerMisuse),
                new Scenario("two-groups-share-a-container", "QEMU vfio_connect_container: a second group joins", Paths.GROUP,
                        Scenarios::twoGroupsShareAContainer),
                new Scenario("function-reset", "KERNEL.md §13.4", Paths.GROUP, Scenarios::functionReset),
                new Scenario("hot-reset-by-group-fds", "KERNEL.md §13.2, §13.3; QEMU vfio_pci_hot_reset", Paths.GROUP,
                        Scenarios::hotResetByGroupFds),
                new Scenario("hot-reset-of-a-shared-group", "KERNEL.md §13.3 (a bus whose functions share a group)", Paths.GROUP,
                        Scenarios::hotResetOfASharedGroup),
                new Scenario("hot-reset-of-slot-mates", "KERNEL.md §13.1 (a multi-function device)", Paths.GROUP,
                        Scenarios::hotResetOfSlotMates),
                new Scenario("exit-releases-the-group", "KERNEL.md §5.6", Paths.GROUP, Scenarios::exitReleasesTheGroup),
                new Scenario("type1-pins-against-memlock", "KERNEL.md §6.1 (RLIMIT_MEMLOCK, CAP_IPC_LOCK)", Paths.GROUP,
                        Scenarios::type1PinsAgainstMemlock),
                new Scenario("kvm-vfio-device", "KERNEL.md §12", Paths.GROUP, Scenarios::kvmVfioDevice),
                new Scenario("iommufd-node", "KERNEL.md §1 (CONFIG_IOMMUFD)", Paths.GROUP, Scenarios::iommufdNode),

                new Scenario("ioas-objects", "selftests/iommu iommufd.c ioas_alloc, ioas_destroy; KERNEL.md §3.2, §10.1",
                        Paths.IOMMUFD, Scenarios::ioasObjects),
                new Scenario("ioas-map-and-unmap", "selftests/iommu iommufd.c ioas_area_*; KERNEL.md §10.2-§10.5",
                        Paths.IOMMUFD, Scenarios::ioasMapAndUnmap),
                new Scenario("cdev-bind-attach-detach", "selftests/vfio vfio_iommufd_setup_test; QEMU iommufd_cdev_attach",
                        Paths.IOMMUFD, Scenarios::cdevBindAttachDetach),
                new Scenario("cdev-misuse", "KERNEL.md §4.2, §4.3", Paths.IOMMUFD, Scenarios::cdevMisuse),
                new Scenario("group-and-cdev-exclude-each-other", "KERNEL.md §7.1", Paths.IOMMUFD,
                        Scenarios::groupAndCdevExcludeEachOther),
                new Scenario("one-context-per-group", "KERNEL.md §7.3", Paths.IOMMUFD, Scenarios::oneContextPerGroup),
                new Scenario("hot-reset-by-iommufd", "KERNEL.md §13.2, §13.3 (cdev); cloud-hypervisor vfio reset", Paths.IOMMUFD,
                        Scenarios::hotResetByIommufd),
                new Scenario("iommufd-as-container", "KERNEL.md §6.2; QEMU on IOMMUFD_VFIO_CONTAINER", Paths.IOMMUFD,
                        Scenarios::iommufdAsContainer),
                new Scenario("rlimit-mode-option", "selftests/iommu iommufd.c ioctl_option; KERNEL.md §10.8", Paths.IOMMUFD,
                        Scenarios::rlimitModeOption),
                new Scenario("ioas-pins-against-memlock", "KERNEL.md §10.9", Paths.IOMMUFD, Scenarios::ioasPinsAgainstMemlock));
    }

    // ---- group and container paths ----

    private static void containerApi(Caller c, LabDevices d) {
        int pid = c.spawn("qemu");
        int container = c.open(pid, "/dev/vfio/vfio");
        c.ioctl(pid, container, r -> r.setVfioGetApiVersion(VfioGetApiVersion.getDefaultInstance()));
        for (int extension : new int[] {TYPE1, 2, TYPE1V2, NOIOMMU, UNMAP_ALL, 0x1234}) {
            c.ioctl(pid, container, r -> r.setVfioCheckExtension(VfioCheckExtension.newBuilder().setExtension(extension)));
        }
        c.ioctl(pid, container, r -> r.setVfioSetIommu(VfioSetIommu.newBuilder().setType(TYPE1V2)));
        c.ioctl(pid, container, r -> r.setUnknownIoctl(UnknownIoctl.newBuilder().setType(';').setNr(0x7f)));
        c.ioctl(pid, container, r -> r.setIommuIoasAlloc(IommuIoasAlloc.getDefaultInstance()));
        c.exit(pid);
    }

    private static void groupOpenIsExclusive(Caller c, LabDevices d) {
        int pid = c.spawn("qemu");
        int other = c.spawn("second-vmm");
        int group = c.open(pid, d.single().groupPath());
        c.open(pid, d.single().groupPath());
        c.open(other, d.single().groupPath());
        c.ioctl(pid, group, r -> r.setVfioGroupGetStatus(VfioGroupGetStatus.getDefaultInstance()));
        c.ioctl(pid, group, r -> r.setVfioGroupGetStatus(VfioGroupGetStatus.newBuilder().setArgsz(4)));
        c.ioctl(pid, group, r -> r.setVfioDeviceGetInfo(VfioDeviceGetInfo.getDefaultInstance()));
        c.close(pid, group);
        c.open(other, d.single().groupPath());
        c.exit(pid);
        c.exit(other);
    }

    private static void deviceFdNeedsAContainer(Caller c, LabDevices d) {
        int pid = c.spawn("qemu");
        int group = c.open(pid, d.single().groupPath());
        c.ioctl(pid, group, r -> r.setVfioGroupGetDeviceFd(VfioGroupGetDeviceFd.newBuilder().setName(d.single().bdf())));
        c.ioctl(pid, group, r -> r.setVfioGroupUnsetContainer(VfioGroupUnsetContainer.getDefaultInstance()));
        c.exit(pid);
    }

    /** Open group, container, SET_CONTAINER, SET_IOMMU(TYPE1v2), GET_DEVICE_FD, GET_INFO, and guest RAM mapped. */
    private static void qemuType1Sequence(Caller c, LabDevices d) {
        int pid = c.spawn("qemu");
        int container = c.open(pid, "/dev/vfio/vfio");
        int group = c.open(pid, d.single().groupPath());
        c.ioctl(pid, group, r -> r.setVfioGroupGetStatus(VfioGroupGetStatus.getDefaultInstance()));
        c.ioctl(pid, group, r -> r.setVfioGroupSetContainer(VfioGroupSetContainer.newBuilder().setContainerFd(container)));
        c.ioctl(pid, group, r -> r.setVfioGroupGetStatus(VfioGroupGetStatus.getDefaultInstance()));
        c.ioctl(pid, group, r -> r.setVfioGroupGetDeviceFd(VfioGroupGetDeviceFd.newBuilder().setName(d.single().bdf())));
        c.ioctl(pid, container, r -> r.setVfioCheckExtension(VfioCheckExtension.newBuilder().setExtension(DMA_CC)));
        c.ioctl(pid, container, r -> r.setVfioSetIommu(VfioSetIommu.newBuilder().setType(TYPE1V2)));
        c.ioctl(pid, container, r -> r.setVfioSetIommu(VfioSetIommu.newBuilder().setType(TYPE1V2)));
        c.ioctl(pid, container, r -> r.setVfioCheckExtension(VfioCheckExtension.newBuilder().setExtension(DMA_CC)));
        IoctlResponse device = c.ioctl(pid, group,
                r -> r.setVfioGroupGetDeviceFd(VfioGroupGetDeviceFd.newBuilder().setName(d.single().bdf())));
        c.ioctl(pid, group, r -> r.setVfioGroupGetDeviceFd(VfioGroupGetDeviceFd.newBuilder().setName("0000:00:1f.7")));
        if (device != null) {
            int fd = device.getVfioGroupGetDeviceFd().getFd();
            c.ioctl(pid, fd, r -> r.setVfioDeviceGetInfo(VfioDeviceGetInfo.getDefaultInstance()));
        }
        long ram = c.mmap(pid, 4 * MIB, READ_WRITE);
        c.ioctl(pid, container, r -> r.setVfioIommuMapDma(VfioIommuMapDma.newBuilder().setFlags(READ_WRITE).setVaddr(ram)
                .setIova(MIB).setSize(2 * MIB)));
        c.ioctl(pid, container, r -> r.setVfioIommuMapDma(VfioIommuMapDma.newBuilder().setFlags(READ_WRITE).setVaddr(ram)
                .setIova(2 * MIB).setSize(MIB)));
        c.ioctl(pid, container, r -> r.setVfioIommuMapDma(VfioIommuMapDma.newBuilder().setFlags(READ_WRITE).setVaddr(ram)
                .setIova(8 * MIB).setSize(0)));
        c.ioctl(pid, container, r -> r.setVfioIommuMapDma(VfioIommuMapDma.newBuilder().setFlags(READ_WRITE).setVaddr(ram)
                .setIova(8 * MIB + 512).setSize(MIB)));
        c.ioctl(pid, container, r -> r.setVfioIommuMapDma(VfioIommuMapDma.newBuilder().setFlags(READ_WRITE).setVaddr(ram + 2 * MIB)
                .setIova(16 * MIB).setSize(2 * MIB)));
        c.ioctl(pid, container, r -> r.setVfioIommuUnmapDma(VfioIommuUnmapDma.newBuilder().setIova(MIB).setSize(2 * MIB)));
        c.ioctl(pid, container, r -> r.setVfioIommuUnmapDma(VfioIommuUnmapDma.newBuilder().setIova(MIB).setSize(2 * MIB)));
        c.ioctl(pid, container, r -> r.setVfioIommuUnmapDma(VfioIommuUnmapDma.newBuilder().setIova(MIB + 512).setSize(MIB)));
        c.ioctl(pid, container, r -> r.setVfioIommuUnmapDma(VfioIommuUnmapDma.newBuilder().setFlags(1 << 1)));
        c.exit(pid);
    }

    private static void containerMisuse(Caller c, LabDevices d) {
        int pid = c.spawn("qemu");
        int container = c.open(pid, "/dev/vfio/vfio");
        int group = c.open(pid, d.single().groupPath());
        c.ioctl(pid, group, r -> r.setVfioGroupSetContainer(VfioGroupSetContainer.newBuilder().setContainerFd(container + 10)));
        c.ioctl(pid, group, r -> r.setVfioGroupSetContainer(VfioGroupSetContainer.newBuilder().setContainerFd(group)));
        c.ioctl(pid, group, r -> r.setVfioGroupSetContainer(VfioGroupSetContainer.newBuilder().setContainerFd(container)));
        c.ioctl(pid, group, r -> r.setVfioGroupSetContainer(VfioGroupSetContainer.newBuilder().setContainerFd(container)));
        c.ioctl(pid, container, r -> r.setVfioSetIommu(VfioSetIommu.newBuilder().setType(0x77)));
        c.ioctl(pid, container, r -> r.setVfioSetIommu(VfioSetIommu.newBuilder().setType(TYPE1V2)));
        IoctlResponse device = c.ioctl(pid, group,
                r -> r.setVfioGroupGetDeviceFd(VfioGroupGetDeviceFd.newBuilder().setName(d.single().bdf())));
        c.ioctl(pid, group, r -> r.setVfioGroupUnsetContainer(VfioGroupUnsetContainer.getDefaultInstance()));
        if (device != null) {
            c.close(pid, device.getVfioGroupGetDeviceFd().getFd());
        }
        c.ioctl(pid, group, r -> r.setVfioGroupUnsetContainer(VfioGroupUnsetContainer.getDefaultInstance()));
        c.ioctl(pid, group, r -> r.setVfioGroupUnsetContainer(VfioGroupUnsetContainer.getDefaultInstance()));
        c.exit(pid);
    }

    private static void twoGroupsShareAContainer(Caller c, LabDevices d) {
        int pid = c.spawn("qemu");
        int container = c.open(pid, "/dev/vfio/vfio");
        int first = c.open(pid, d.single().groupPath());
        int second = c.open(pid, d.other().groupPath());
        c.ioctl(pid, first, r -> r.setVfioGroupSetContainer(VfioGroupSetContainer.newBuilder().setContainerFd(container)));
        c.ioctl(pid, container, r -> r.setVfioSetIommu(VfioSetIommu.newBuilder().setType(TYPE1V2)));
        long ram = c.mmap(pid, 2 * MIB, READ_WRITE);
        c.ioctl(pid, container, r -> r.setVfioIommuMapDma(VfioIommuMapDma.newBuilder().setFlags(READ_WRITE).setVaddr(ram)
                .setIova(0).setSize(2 * MIB)));
        c.ioctl(pid, second, r -> r.setVfioGroupSetContainer(VfioGroupSetContainer.newBuilder().setContainerFd(container)));
        c.ioctl(pid, second, r -> r.setVfioGroupGetDeviceFd(VfioGroupGetDeviceFd.newBuilder().setName(d.other().bdf())));
        c.ioctl(pid, first, r -> r.setVfioGroupGetDeviceFd(VfioGroupGetDeviceFd.newBuilder().setName(d.single().bdf())));
        c.ioctl(pid, second, r -> r.setVfioGroupGetDeviceFd(VfioGroupGetDeviceFd.newBuilder().setName(d.single().bdf())));
        c.exit(pid);
    }

    private static void functionReset(Caller c, LabDevices d) {
        int pid = c.spawn("qemu");
        int container = c.open(pid, "/dev/vfio/vfio");
        int withReset = groupDevice(c, pid, container, d.single(), true)[1];
        int group = c.open(pid, d.noReset().groupPath());
        c.ioctl(pid, group, r -> r.setVfioGroupSetContainer(VfioGroupSetContainer.newBuilder().setContainerFd(container)));
        IoctlResponse without = c.ioctl(pid, group,
                r -> r.setVfioGroupGetDeviceFd(VfioGroupGetDeviceFd.newBuilder().setName(d.noReset().bdf())));
        c.ioctl(pid, withReset, r -> r.setVfioDeviceGetInfo(VfioDeviceGetInfo.getDefaultInstance()));
        c.ioctl(pid, withReset, r -> r.setVfioDeviceReset(VfioDeviceReset.getDefaultInstance()));
        if (without != null) {
            int fd = without.getVfioGroupGetDeviceFd().getFd();
            c.ioctl(pid, fd, r -> r.setVfioDeviceGetInfo(VfioDeviceGetInfo.getDefaultInstance()));
            c.ioctl(pid, fd, r -> r.setVfioDeviceReset(VfioDeviceReset.getDefaultInstance()));
        }
        c.exit(pid);
    }

    private static void hotResetByGroupFds(Caller c, LabDevices d) {
        int pid = c.spawn("qemu");
        int container = c.open(pid, "/dev/vfio/vfio");
        int[] opened = groupDevice(c, pid, container, d.single(), true);
        int group = opened[0];
        int device = opened[1];
        c.ioctl(pid, device, r -> r.setVfioDeviceGetPciHotResetInfo(VfioDeviceGetPciHotResetInfo.newBuilder().setArgsz(12)));
        c.ioctl(pid, device, r -> r.setVfioDeviceGetPciHotResetInfo(VfioDeviceGetPciHotResetInfo.newBuilder().setArgsz(12 + 8 * 4)));
        c.ioctl(pid, device, r -> r.setVfioDeviceGetPciHotResetInfo(VfioDeviceGetPciHotResetInfo.newBuilder().setArgsz(8)));
        c.ioctl(pid, device, r -> r.setVfioDevicePciHotReset(VfioDevicePciHotReset.newBuilder()));
        c.ioctl(pid, device, r -> r.setVfioDevicePciHotReset(VfioDevicePciHotReset.newBuilder().addGroupFds(container + 20)));
        c.ioctl(pid, device, r -> r.setVfioDevicePciHotReset(VfioDevicePciHotReset.newBuilder().addGroupFds(container)));
        c.ioctl(pid, device, r -> r.setVfioDevicePciHotReset(VfioDevicePciHotReset.newBuilder().setFlags(1).addGroupFds(group)));
        c.ioctl(pid, device, r -> r.setVfioDevicePciHotReset(VfioDevicePciHotReset.newBuilder().addGroupFds(group)));
        c.exit(pid);
    }

    private static void hotResetOfASharedGroup(Caller c, LabDevices d) {
        int pid = c.spawn("qemu");
        int container = c.open(pid, "/dev/vfio/vfio");
        Device first = d.sharedGroup().get(0);
        int group = c.open(pid, first.groupPath());
        c.ioctl(pid, group, r -> r.setVfioGroupSetContainer(VfioGroupSetContainer.newBuilder().setContainerFd(container)));
        c.ioctl(pid, container, r -> r.setVfioSetIommu(VfioSetIommu.newBuilder().setType(TYPE1V2)));
        int device = -1;
        for (Device member : d.sharedGroup()) {
            IoctlResponse opened = c.ioctl(pid, group,
                    r -> r.setVfioGroupGetDeviceFd(VfioGroupGetDeviceFd.newBuilder().setName(member.bdf())));
            if (device < 0 && opened != null) {
                device = opened.getVfioGroupGetDeviceFd().getFd();
            }
        }
        int fd = device;
        c.ioctl(pid, fd, r -> r.setVfioDeviceGetPciHotResetInfo(VfioDeviceGetPciHotResetInfo.newBuilder().setArgsz(12 + 8 * 8)));
        c.ioctl(pid, fd, r -> r.setVfioDevicePciHotReset(VfioDevicePciHotReset.newBuilder().addGroupFds(group)));
        c.exit(pid);
    }

    private static void hotResetOfSlotMates(Caller c, LabDevices d) {
        int pid = c.spawn("qemu");
        int container = c.open(pid, "/dev/vfio/vfio");
        Device first = d.slotMates().get(0);
        Device second = d.slotMates().get(1);
        int[] opened = groupDevice(c, pid, container, first, true);
        int firstGroup = opened[0];
        int device = opened[1];
        c.ioctl(pid, device, r -> r.setVfioDeviceGetPciHotResetInfo(VfioDeviceGetPciHotResetInfo.newBuilder().setArgsz(12 + 8 * 8)));
        c.ioctl(pid, device, r -> r.setVfioDevicePciHotReset(VfioDevicePciHotReset.newBuilder().addGroupFds(firstGroup)));
        if (!second.groupPath().equals(first.groupPath())) {
            int group = c.open(pid, second.groupPath());
            c.ioctl(pid, group, r -> r.setVfioGroupSetContainer(VfioGroupSetContainer.newBuilder().setContainerFd(container)));
            c.ioctl(pid, device, r -> r.setVfioDevicePciHotReset(VfioDevicePciHotReset.newBuilder().addGroupFds(firstGroup)
                    .addGroupFds(group)));
        }
        c.exit(pid);
    }

    private static void exitReleasesTheGroup(Caller c, LabDevices d) {
        int first = c.spawn("qemu");
        int container = c.open(first, "/dev/vfio/vfio");
        groupDevice(c, first, container, d.single(), true);
        int second = c.spawn("next-vmm");
        c.open(second, d.single().groupPath());
        c.exit(first);
        int group = c.open(second, d.single().groupPath());
        c.ioctl(second, group, r -> r.setVfioGroupGetStatus(VfioGroupGetStatus.getDefaultInstance()));
        c.exit(second);
    }

    private static void type1PinsAgainstMemlock(Caller c, LabDevices d) {
        int pid = c.spawn("tenant-vmm", 100_000, List.of(), MIB);
        int container = c.open(pid, "/dev/vfio/vfio");
        groupDevice(c, pid, container, d.single(), true);
        long ram = c.mmap(pid, 4 * MIB, READ_WRITE);
        c.ioctl(pid, container, r -> r.setVfioIommuMapDma(VfioIommuMapDma.newBuilder().setFlags(READ_WRITE).setVaddr(ram)
                .setIova(0).setSize(512 * 1024)));
        c.ioctl(pid, container, r -> r.setVfioIommuMapDma(VfioIommuMapDma.newBuilder().setFlags(READ_WRITE).setVaddr(ram + MIB)
                .setIova(MIB).setSize(2 * MIB)));
        c.exit(pid);
        int locked = c.spawn("locked-vmm", 100_001, List.of(Capability.CAPABILITY_IPC_LOCK), MIB);
        int other = c.open(locked, "/dev/vfio/vfio");
        groupDevice(c, locked, other, d.single(), true);
        long more = c.mmap(locked, 4 * MIB, READ_WRITE);
        c.ioctl(locked, other, r -> r.setVfioIommuMapDma(VfioIommuMapDma.newBuilder().setFlags(READ_WRITE).setVaddr(more)
                .setIova(MIB).setSize(2 * MIB)));
        c.exit(locked);
    }

    private static void kvmVfioDevice(Caller c, LabDevices d) {
        int pid = c.spawn("qemu");
        int kvm = c.open(pid, "/dev/kvm");
        if (kvm >= 0) {
            c.ioctl(pid, kvm, r -> r.setKvmCreateVm(KvmCreateVm.getDefaultInstance()));
        }
        c.exit(pid);
    }

    private static void iommufdNode(Caller c, LabDevices d) {
        int pid = c.spawn("qemu");
        c.open(pid, "/dev/iommu");
        c.open(pid, "/dev/vfio/devices/vfio0");
        c.exit(pid);
    }

    /** Open group, SET_CONTAINER, SET_IOMMU(TYPE1v2) when {@code setIommu}, GET_DEVICE_FD: {group fd, device fd or -1}. */
    private static int[] groupDevice(Caller c, int pid, int container, Device device, boolean setIommu) {
        int group = c.open(pid, device.groupPath());
        c.ioctl(pid, group, r -> r.setVfioGroupSetContainer(VfioGroupSetContainer.newBuilder().setContainerFd(container)));
        if (setIommu) {
            c.ioctl(pid, container, r -> r.setVfioSetIommu(VfioSetIommu.newBuilder().setType(TYPE1V2)));
        }
        IoctlResponse opened = c.ioctl(pid, group,
                r -> r.setVfioGroupGetDeviceFd(VfioGroupGetDeviceFd.newBuilder().setName(device.bdf())));
        return new int[] {group, opened == null ? -1 : opened.getVfioGroupGetDeviceFd().getFd()};
    }

    // ---- iommufd and the device cdev ----

    private static void ioasObjects(Caller c, LabDevices d) {
        int pid = c.spawn("cloud-hypervisor");
        int iommufd = c.open(pid, "/dev/iommu");
        c.ioctl(pid, iommufd, r -> r.setIommuIoasAlloc(IommuIoasAlloc.getDefaultInstance()));
        c.ioctl(pid, iommufd, r -> r.setIommuIoasAlloc(IommuIoasAlloc.newBuilder().setFlags(1)));
        c.ioctl(pid, iommufd, r -> r.setIommuIoasAlloc(IommuIoasAlloc.newBuilder().setSize(8)));
        c.ioctl(pid, iommufd, r -> r.setIommuIoasAlloc(IommuIoasAlloc.newBuilder().setSize(64)));
        c.ioctl(pid, iommufd, r -> r.setIommuIoasIovaRanges(IommuIoasIovaRanges.newBuilder().setIoasId(1).setNumIovas(4)));
        c.ioctl(pid, iommufd, r -> r.setIommuIoasIovaRanges(IommuIoasIovaRanges.newBuilder().setIoasId(1).setNumIovas(0)));
        c.ioctl(pid, iommufd, r -> r.setIommuIoasIovaRanges(IommuIoasIovaRanges.newBuilder().setIoasId(1).setReservedBits(1)));
        c.ioctl(pid, iommufd, r -> r.setIommuDestroy(IommuDestroy.newBuilder().setId(1)));
        c.ioctl(pid, iommufd, r -> r.setIommuDestroy(IommuDestroy.newBuilder().setId(1)));
        c.ioctl(pid, iommufd, r -> r.setIommuDestroy(IommuDestroy.newBuilder().setSize(4).setId(2)));
        c.ioctl(pid, iommufd, r -> r.setIommuIoasAlloc(IommuIoasAlloc.getDefaultInstance()));
        c.ioctl(pid, iommufd, r -> r.setUnknownIoctl(UnknownIoctl.newBuilder().setType(';').setNr(0x8f)));
        c.exit(pid);
    }

    private static void ioasMapAndUnmap(Caller c, LabDevices d) {
        int pid = c.spawn("cloud-hypervisor");
        int iommufd = c.open(pid, "/dev/iommu");
        c.ioctl(pid, iommufd, r -> r.setIommuIoasAlloc(IommuIoasAlloc.getDefaultInstance()));
        long ram = c.mmap(pid, 8 * MIB, READ_WRITE);
        int fixed = 1, writeable = 2, readable = 4;
        c.ioctl(pid, iommufd, r -> r.setIommuIoasMap(IommuIoasMap.newBuilder().setFlags(fixed | writeable | readable)
                .setIoasId(1).setUserVa(ram).setLength(2 * MIB).setIova(2 * MIB)));
        c.ioctl(pid, iommufd, r -> r.setIommuIoasMap(IommuIoasMap.newBuilder().setFlags(fixed | writeable | readable)
                .setIoasId(1).setUserVa(ram).setLength(MIB).setIova(3 * MIB)));
        c.ioctl(pid, iommufd, r -> r.setIommuIoasMap(IommuIoasMap.newBuilder().setFlags(fixed)
                .setIoasId(1).setUserVa(ram).setLength(MIB).setIova(8 * MIB)));
        c.ioctl(pid, iommufd, r -> r.setIommuIoasMap(IommuIoasMap.newBuilder().setFlags(1 << 5 | readable)
                .setIoasId(1).setUserVa(ram).setLength(MIB)));
        c.ioctl(pid, iommufd, r -> r.setIommuIoasMap(IommuIoasMap.newBuilder().setFlags(writeable | readable)
                .setIoasId(7).setUserVa(ram).setLength(MIB)));
        c.ioctl(pid, iommufd, r -> r.setIommuIoasMap(IommuIoasMap.newBuilder().setFlags(writeable | readable)
                .setIoasId(1).setUserVa(ram + 2 * MIB).setLength(2 * MIB)));
        c.ioctl(pid, iommufd, r -> r.setIommuIoasMap(IommuIoasMap.newBuilder().setFlags(writeable | readable)
                .setIoasId(1).setUserVa(ram + 4 * MIB + 4096).setLength(MIB)));
        c.ioctl(pid, iommufd, r -> r.setIommuIoasUnmap(IommuIoasUnmap.newBuilder().setIoasId(1).setIova(2 * MIB).setLength(MIB)));
        c.ioctl(pid, iommufd, r -> r.setIommuIoasUnmap(IommuIoasUnmap.newBuilder().setIoasId(1).setIova(2 * MIB).setLength(2 * MIB)));
        c.ioctl(pid, iommufd, r -> r.setIommuIoasUnmap(IommuIoasUnmap.newBuilder().setIoasId(1).setIova(2 * MIB).setLength(2 * MIB)));
        c.ioctl(pid, iommufd, r -> r.setIommuIoasUnmap(IommuIoasUnmap.newBuilder().setIoasId(1).setIova(0).setLength(-1L)));
        c.ioctl(pid, iommufd, r -> r.setIommuIoasUnmap(IommuIoasUnmap.newBuilder().setIoasId(1).setIova(0).setLength(0)));
        c.exit(pid);
    }

    private static void cdevBindAttachDetach(Caller c, LabDevices d) {
        int pid = c.spawn("qemu");
        int iommufd = c.open(pid, "/dev/iommu");
        int device = c.open(pid, d.single().cdevPath());
        c.ioctl(pid, device, r -> r.setVfioDeviceGetInfo(VfioDeviceGetInfo.getDefaultInstance()));
        c.ioctl(pid, device, r -> r.setVfioDeviceBindIommufd(VfioDeviceBindIommufd.newBuilder().setIommufd(iommufd)));
        c.ioctl(pid, device, r -> r.setVfioDeviceBindIommufd(VfioDeviceBindIommufd.newBuilder().setIommufd(iommufd)));
        c.ioctl(pid, device, r -> r.setVfioDeviceGetInfo(VfioDeviceGetInfo.getDefaultInstance()));
        c.ioctl(pid, iommufd, r -> r.setIommuIoasAlloc(IommuIoasAlloc.getDefaultInstance()));
        c.ioctl(pid, device, r -> r.setVfioDeviceAttachIommufdPt(VfioDeviceAttachIommufdPt.newBuilder().setPtId(99)));
        c.ioctl(pid, device, r -> r.setVfioDeviceAttachIommufdPt(VfioDeviceAttachIommufdPt.newBuilder().setPtId(2)));
        c.ioctl(pid, iommufd, r -> r.setIommuIoasIovaRanges(IommuIoasIovaRanges.newBuilder().setIoasId(2).setNumIovas(8)));
        c.ioctl(pid, iommufd, r -> r.setIommuDestroy(IommuDestroy.newBuilder().setId(3)));
        c.ioctl(pid, iommufd, r -> r.setIommuDestroy(IommuDestroy.newBuilder().setId(2)));
        c.ioctl(pid, iommufd, r -> r.setIommuDestroy(IommuDestroy.newBuilder().setId(1)));
        c.ioctl(pid, iommufd, r -> r.setIommuHwptAlloc(IommuHwptAlloc.newBuilder().setDevId(1).setPtId(2)));
        c.ioctl(pid, iommufd, r -> r.setIommuHwptAlloc(IommuHwptAlloc.newBuilder().setDevId(2).setPtId(2)));
        c.ioctl(pid, device, r -> r.setVfioDeviceAttachIommufdPt(VfioDeviceAttachIommufdPt.newBuilder().setPtId(4)));
        c.ioctl(pid, iommufd, r -> r.setIommuDestroy(IommuDestroy.newBuilder().setId(3)));
        c.ioctl(pid, device, r -> r.setVfioDeviceDetachIommufdPt(VfioDeviceDetachIommufdPt.getDefaultInstance()));
        c.ioctl(pid, device, r -> r.setVfioDeviceDetachIommufdPt(VfioDeviceDetachIommufdPt.getDefaultInstance()));
        c.ioctl(pid, iommufd, r -> r.setIommuDestroy(IommuDestroy.newBuilder().setId(4)));
        c.close(pid, device);
        c.ioctl(pid, iommufd, r -> r.setIommuDestroy(IommuDestroy.newBuilder().setId(1)));
        c.exit(pid);
    }

    private static void cdevMisuse(Caller c, LabDevices d) {
        int pid = c.spawn("qemu");
        int iommufd = c.open(pid, "/dev/iommu");
        int device = c.open(pid, d.single().cdevPath());
        int second = c.open(pid, d.single().cdevPath());
        c.ioctl(pid, device, r -> r.setVfioDeviceBindIommufd(VfioDeviceBindIommufd.newBuilder().setIommufd(-1)));
        c.ioctl(pid, device, r -> r.setVfioDeviceBindIommufd(VfioDeviceBindIommufd.newBuilder().setIommufd(iommufd + 40)));
        c.ioctl(pid, device, r -> r.setVfioDeviceBindIommufd(VfioDeviceBindIommufd.newBuilder().setIommufd(second)));
        c.ioctl(pid, device, r -> r.setVfioDeviceBindIommufd(VfioDeviceBindIommufd.newBuilder().setFlags(1).setIommufd(iommufd)));
        c.ioctl(pid, device, r -> r.setVfioDeviceBindIommufd(VfioDeviceBindIommufd.newBuilder().setArgsz(12).setIommufd(iommufd)));
        c.ioctl(pid, device, r -> r.setVfioDeviceReset(VfioDeviceReset.getDefaultInstance()));
        c.ioctl(pid, device, r -> r.setVfioDeviceBindIommufd(VfioDeviceBindIommufd.newBuilder().setIommufd(iommufd)));
        c.ioctl(pid, second, r -> r.setVfioDeviceBindIommufd(VfioDeviceBindIommufd.newBuilder().setIommufd(iommufd)));
        c.ioctl(pid, device, r -> r.setVfioDeviceAttachIommufdPt(VfioDeviceAttachIommufdPt.newBuilder().setFlags(1).setPtId(1)));
        c.ioctl(pid, device, r -> r.setUnknownIoctl(UnknownIoctl.newBuilder().setType(';').setNr(0x7e)));
        c.close(pid, device);
        c.ioctl(pid, second, r -> r.setVfioDeviceBindIommufd(VfioDeviceBindIommufd.newBuilder().setIommufd(iommufd)));
        c.exit(pid);
    }

    private static void groupAndCdevExcludeEachOther(Caller c, LabDevices d) {
        int pid = c.spawn("qemu");
        int iommufd = c.open(pid, "/dev/iommu");
        int device = c.open(pid, d.single().cdevPath());
        c.ioctl(pid, device, r -> r.setVfioDeviceBindIommufd(VfioDeviceBindIommufd.newBuilder().setIommufd(iommufd)));
        c.open(pid, d.single().groupPath());
        c.close(pid, device);
        int group = c.open(pid, d.single().groupPath());
        int again = c.open(pid, d.single().cdevPath());
        c.ioctl(pid, again, r -> r.setVfioDeviceBindIommufd(VfioDeviceBindIommufd.newBuilder().setIommufd(iommufd)));
        c.ioctl(pid, group, r -> r.setVfioGroupSetContainer(VfioGroupSetContainer.newBuilder().setContainerFd(iommufd)));
        IoctlResponse opened = c.ioctl(pid, group,
                r -> r.setVfioGroupGetDeviceFd(VfioGroupGetDeviceFd.newBuilder().setName(d.single().bdf())));
        if (opened != null) {
            int fd = opened.getVfioGroupGetDeviceFd().getFd();
            c.ioctl(pid, fd, r -> r.setVfioDeviceAttachIommufdPt(VfioDeviceAttachIommufdPt.newBuilder().setPtId(1)));
            c.ioctl(pid, fd, r -> r.setVfioDeviceBindIommufd(VfioDeviceBindIommufd.newBuilder().setIommufd(iommufd)));
        }
        c.exit(pid);
    }

    private static void oneContextPerGroup(Caller c, LabDevices d) {
        int pid = c.spawn("qemu");
        int first = c.open(pid, "/dev/iommu");
        int second = c.open(pid, "/dev/iommu");
        Device a = d.sharedGroup().get(0);
        Device b = d.sharedGroup().get(1);
        int deviceA = c.open(pid, a.cdevPath());
        int deviceB = c.open(pid, b.cdevPath());
        c.ioctl(pid, deviceA, r -> r.setVfioDeviceBindIommufd(VfioDeviceBindIommufd.newBuilder().setIommufd(first)));
        c.ioctl(pid, deviceB, r -> r.setVfioDeviceBindIommufd(VfioDeviceBindIommufd.newBuilder().setIommufd(second)));
        c.ioctl(pid, deviceB, r -> r.setVfioDeviceBindIommufd(VfioDeviceBindIommufd.newBuilder().setIommufd(first)));
        c.ioctl(pid, first, r -> r.setIommuIoasAlloc(IommuIoasAlloc.getDefaultInstance()));
        c.ioctl(pid, first, r -> r.setIommuIoasAlloc(IommuIoasAlloc.getDefaultInstance()));
        c.ioctl(pid, deviceA, r -> r.setVfioDeviceAttachIommufdPt(VfioDeviceAttachIommufdPt.newBuilder().setPtId(3)));
        c.ioctl(pid, deviceB, r -> r.setVfioDeviceAttachIommufdPt(VfioDeviceAttachIommufdPt.newBuilder().setPtId(4)));
        c.ioctl(pid, deviceB, r -> r.setVfioDeviceAttachIommufdPt(VfioDeviceAttachIommufdPt.newBuilder().setPtId(3)));
        c.exit(pid);
    }

    private static void hotResetByIommufd(Caller c, LabDevices d) {
        int pid = c.spawn("cloud-hypervisor");
        int iommufd = c.open(pid, "/dev/iommu");
        int device = c.open(pid, d.single().cdevPath());
        c.ioctl(pid, device, r -> r.setVfioDeviceGetPciHotResetInfo(VfioDeviceGetPciHotResetInfo.newBuilder().setArgsz(12 + 8 * 4)));
        c.ioctl(pid, device, r -> r.setVfioDeviceBindIommufd(VfioDeviceBindIommufd.newBuilder().setIommufd(iommufd)));
        c.ioctl(pid, device, r -> r.setVfioDeviceGetPciHotResetInfo(VfioDeviceGetPciHotResetInfo.newBuilder().setArgsz(12)));
        c.ioctl(pid, device, r -> r.setVfioDeviceGetPciHotResetInfo(VfioDeviceGetPciHotResetInfo.newBuilder().setArgsz(12 + 8 * 4)));
        c.ioctl(pid, device, r -> r.setVfioDevicePciHotReset(VfioDevicePciHotReset.newBuilder().addGroupFds(iommufd)));
        c.ioctl(pid, device, r -> r.setVfioDevicePciHotReset(VfioDevicePciHotReset.newBuilder()));
        int mate = c.open(pid, d.slotMates().get(0).cdevPath());
        c.ioctl(pid, mate, r -> r.setVfioDeviceBindIommufd(VfioDeviceBindIommufd.newBuilder().setIommufd(iommufd)));
        c.ioctl(pid, mate, r -> r.setVfioDeviceGetPciHotResetInfo(VfioDeviceGetPciHotResetInfo.newBuilder().setArgsz(12 + 8 * 4)));
        c.ioctl(pid, mate, r -> r.setVfioDevicePciHotReset(VfioDevicePciHotReset.newBuilder()));
        int other = c.spawn("other-tenant");
        int otherIommufd = c.open(other, "/dev/iommu");
        int sibling = c.open(other, d.slotMates().get(1).cdevPath());
        c.ioctl(other, sibling, r -> r.setVfioDeviceBindIommufd(VfioDeviceBindIommufd.newBuilder().setIommufd(otherIommufd)));
        c.ioctl(pid, mate, r -> r.setVfioDeviceGetPciHotResetInfo(VfioDeviceGetPciHotResetInfo.newBuilder().setArgsz(12 + 8 * 4)));
        c.ioctl(pid, mate, r -> r.setVfioDevicePciHotReset(VfioDevicePciHotReset.newBuilder()));
        c.exit(other);
        c.exit(pid);
    }

    private static void iommufdAsContainer(Caller c, LabDevices d) {
        int pid = c.spawn("qemu");
        int container = c.open(pid, "/dev/vfio/vfio");
        c.ioctl(pid, container, r -> r.setVfioGetApiVersion(VfioGetApiVersion.getDefaultInstance()));
        for (int extension : new int[] {TYPE1, TYPE1V2, NOIOMMU, UNMAP_ALL, DMA_CC}) {
            c.ioctl(pid, container, r -> r.setVfioCheckExtension(VfioCheckExtension.newBuilder().setExtension(extension)));
        }
        c.ioctl(pid, container, r -> r.setVfioSetIommu(VfioSetIommu.newBuilder().setType(TYPE1V2)));
        int device = groupDevice(c, pid, container, d.single(), true)[1];
        c.ioctl(pid, device, r -> r.setVfioDeviceGetInfo(VfioDeviceGetInfo.getDefaultInstance()));
        long ram = c.mmap(pid, 2 * MIB, READ_WRITE);
        c.ioctl(pid, container, r -> r.setVfioIommuMapDma(VfioIommuMapDma.newBuilder().setFlags(READ_WRITE).setVaddr(ram)
                .setIova(4 * MIB).setSize(2 * MIB)));
        c.ioctl(pid, container, r -> r.setVfioIommuUnmapDma(VfioIommuUnmapDma.newBuilder().setIova(4 * MIB).setSize(2 * MIB)));
        c.ioctl(pid, container, r -> r.setVfioIommuUnmapDma(VfioIommuUnmapDma.newBuilder().setIova(4 * MIB).setSize(2 * MIB)));
        c.ioctl(pid, container, r -> r.setIommuIoasAlloc(IommuIoasAlloc.getDefaultInstance()));
        c.exit(pid);
    }

    private static void rlimitModeOption(Caller c, LabDevices d) {
        int plain = c.spawn("vmm", 100_000, List.of(), MIB);
        int iommufd = c.open(plain, "/dev/iommu");
        c.ioctl(plain, iommufd, r -> r.setIommuOption(IommuOption.newBuilder().setOptionId(0).setOp(1)));
        c.ioctl(plain, iommufd, r -> r.setIommuOption(IommuOption.newBuilder().setOptionId(0).setOp(0).setVal64(1)));
        c.ioctl(plain, iommufd, r -> r.setIommuOption(IommuOption.newBuilder().setOptionId(7).setOp(1)));
        c.exit(plain);
        int privileged = c.spawn("manager", 0, List.of(Capability.CAPABILITY_SYS_RESOURCE), -1L);
        int context = c.open(privileged, "/dev/iommu");
        c.ioctl(privileged, context, r -> r.setIommuOption(IommuOption.newBuilder().setOptionId(0).setOp(0).setVal64(2)));
        c.ioctl(privileged, context, r -> r.setIommuOption(IommuOption.newBuilder().setOptionId(0).setOp(0).setVal64(1)));
        c.ioctl(privileged, context, r -> r.setIommuOption(IommuOption.newBuilder().setOptionId(0).setOp(1)));
        c.ioctl(privileged, context, r -> r.setIommuIoasAlloc(IommuIoasAlloc.getDefaultInstance()));
        c.ioctl(privileged, context, r -> r.setIommuOption(IommuOption.newBuilder().setOptionId(0).setOp(0).setVal64(0)));
        c.ioctl(privileged, context, r -> r.setIommuOption(IommuOption.newBuilder().setOptionId(1).setOp(1).setObjectId(1)));
        c.exit(privileged);
    }

    private static void ioasPinsAgainstMemlock(Caller c, LabDevices d) {
        int pid = c.spawn("tenant-vmm", 100_002, List.of(), MIB);
        int iommufd = c.open(pid, "/dev/iommu");
        int device = c.open(pid, d.single().cdevPath());
        c.ioctl(pid, device, r -> r.setVfioDeviceBindIommufd(VfioDeviceBindIommufd.newBuilder().setIommufd(iommufd)));
        c.ioctl(pid, iommufd, r -> r.setIommuIoasAlloc(IommuIoasAlloc.getDefaultInstance()));
        long ram = c.mmap(pid, 4 * MIB, READ_WRITE);
        c.ioctl(pid, iommufd, r -> r.setIommuIoasMap(IommuIoasMap.newBuilder().setFlags(7).setIoasId(2).setUserVa(ram)
                .setLength(2 * MIB).setIova(2 * MIB)));
        c.ioctl(pid, device, r -> r.setVfioDeviceAttachIommufdPt(VfioDeviceAttachIommufdPt.newBuilder().setPtId(2)));
        c.ioctl(pid, iommufd, r -> r.setIommuIoasUnmap(IommuIoasUnmap.newBuilder().setIoasId(2).setLength(-1L)));
        c.ioctl(pid, device, r -> r.setVfioDeviceAttachIommufdPt(VfioDeviceAttachIommufdPt.newBuilder().setPtId(2)));
        c.ioctl(pid, iommufd, r -> r.setIommuIoasMap(IommuIoasMap.newBuilder().setFlags(7).setIoasId(2).setUserVa(ram)
                .setLength(512 * 1024).setIova(2 * MIB)));
        c.ioctl(pid, iommufd, r -> r.setIommuIoasMap(IommuIoasMap.newBuilder().setFlags(7).setIoasId(2).setUserVa(ram + MIB)
                .setLength(2 * MIB).setIova(4 * MIB)));
        c.exit(pid);
    }
}
