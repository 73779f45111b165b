package io.vfleet.engine.vfio;

import static io.vfleet.engine.TestProcess.fails;
import static org.assertj.core.api.Assertions.assertThat;

import io.vfleet.engine.Errno;
import io.vfleet.engine.Host;
import io.vfleet.engine.KernelException;
import io.vfleet.engine.TestHosts;
import io.vfleet.engine.TestProcess;
import io.vfleet.engine.uapi.Ioctl.VfioCheckExtension;
import io.vfleet.engine.uapi.Ioctl.VfioDeviceBindIommufd;
import io.vfleet.engine.uapi.Ioctl.VfioDeviceGetInfo;
import io.vfleet.engine.uapi.Ioctl.VfioDeviceGetPciHotResetInfo;
import io.vfleet.engine.uapi.Ioctl.VfioDeviceGetPciHotResetInfo.Entry;
import io.vfleet.engine.uapi.Ioctl.VfioDevicePciHotReset;
import io.vfleet.engine.uapi.Ioctl.VfioDeviceReset;
import io.vfleet.engine.uapi.Ioctl.VfioGroupGetDeviceFd;
import io.vfleet.engine.uapi.Ioctl.VfioGroupSetContainer;
import io.vfleet.engine.uapi.Ioctl.VfioSetIommu;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * vfio-pci hot reset (vfio_pci_core.c, KERNEL.md §13). legacy-shared-bus: bus 02 holds 02:00.0–.2 on
 * vfio-pci (vfio0–2, groups 31–33) and 02:00.3 on tg3 (group 34), bus 03 holds 03:00.0 and 03:00.1
 * (vfio3, vfio4) sharing group 36; none has FLR, only the root ports' bus reset. gpu-server-8x: each
 * GPU alone below a slot, with FLR; 0000:18:00.0 is vfio0 in group 26.
 */
class PciHotResetTest {
    private static final int DEV_ID = VfioDeviceGetPciHotResetInfo.FLAG_DEV_ID;
    private static final int DEV_ID_OWNED = VfioDeviceGetPciHotResetInfo.FLAG_DEV_ID_OWNED;
    private static final int OWNED = VfioDeviceGetPciHotResetInfo.DEVID_OWNED;
    private static final int NOT_OWNED = VfioDeviceGetPciHotResetInfo.DEVID_NOT_OWNED;
    private static final VfioDevicePciHotReset ZERO_LENGTH = VfioDevicePciHotReset.of(List.of());

    private final Host legacy = Host.boot(TestHosts.shipped("legacy-shared-bus"));
    private final TestProcess vmm = TestProcess.spawn(legacy);

    /** Opens {@code /dev/vfio/devices/<cdev>} and binds it to {@code iommufd}; returns the device fd. */
    private static int bound(TestProcess process, String cdev, int iommufd) {
        int fd = process.open("/dev/vfio/devices/" + cdev);
        process.ioctl(fd, VfioDeviceBindIommufd.of(iommufd));
        return fd;
    }

    /** A group fd and a device fd from it. */
    private record GroupDevice(int group, int device) {
    }

    /** A device fd for {@code name} through its group in a fresh TYPE1v2 container; the group fd stays open. */
    private static GroupDevice throughGroup(TestProcess process, int groupId, String name) {
        int group = process.open("/dev/vfio/" + groupId);
        int container = process.open("/dev/vfio/vfio");
        process.ioctl(group, new VfioGroupSetContainer(container));
        process.ioctl(container, new VfioSetIommu(VfioCheckExtension.TYPE1V2_IOMMU));
        return new GroupDevice(group, process.ioctl(group, new VfioGroupGetDeviceFd(name)).fd());
    }

    private static VfioDeviceGetPciHotResetInfo.Reply info(TestProcess process, int device) {
        return process.ioctl(device, VfioDeviceGetPciHotResetInfo.withRoomFor(8));
    }

    private long resets(String name) {
        return legacy.vfioDevice(name).resets();
    }

    // ---- GET_PCI_HOT_RESET_INFO (§13.2) ----

    @Test
    void aDeviceOnARootBusHasNoHotReset() {
        Host root = TestHosts.boot("""
                hostname: root-bus
                devices:
                  - {bdf: 0000:00:05.0, id: {vendor: 0x10de, device: 0x2330, class: 0x030200}, driver: vfio-pci, iommuGroup: 5}
                """);
        TestProcess process = TestProcess.spawn(root);
        int device = bound(process, "vfio0", process.open("/dev/iommu"));

        fails(Errno.ENODEV, () -> info(process, device));
        fails(Errno.ENODEV, () -> process.ioctl(device, ZERO_LENGTH));
    }

    @Test
    void infoNeedsAnArgszCoveringTheHeader() {
        int device = bound(vmm, "vfio0", vmm.open("/dev/iommu"));

        fails(Errno.EINVAL, () -> vmm.ioctl(device, new VfioDeviceGetPciHotResetInfo(11)));
    }

    @Test
    void infoOnAnUnboundCdevIsEinval() {
        int device = vmm.open("/dev/vfio/devices/vfio0");

        fails(Errno.EINVAL, () -> info(vmm, device));
    }

    @Test
    void infoWithoutRoomForEveryAffectedFunctionIsEnospcAndReportsTheCount() {
        int device = bound(vmm, "vfio0", vmm.open("/dev/iommu"));

        fails(Errno.ENOSPC, () -> vmm.ioctl(device, VfioDeviceGetPciHotResetInfo.withRoomFor(3)))
                .satisfies(e -> assertThat(((KernelException) e).partialReply())
                        .isEqualTo(new VfioDeviceGetPciHotResetInfo.Reply(0, 4, List.of())));
        assertThat(vmm.ioctl(device, VfioDeviceGetPciHotResetInfo.withRoomFor(4)).count()).isEqualTo(4);
    }

    @Test
    void onTheGroupPathInfoListsTheIommuGroupOfEveryAffectedFunction() {
        int device = throughGroup(vmm, 31, "0000:02:00.0").device();

        VfioDeviceGetPciHotResetInfo.Reply reply = info(vmm, device);

        assertThat(reply.flags()).isZero();
        assertThat(reply.count()).isEqualTo(4);
        assertThat(reply.devices()).containsExactly(new Entry(31, 0, 2, 0), new Entry(32, 0, 2, 1),
                new Entry(33, 0, 2, 2), new Entry(34, 0, 2, 3));
    }

    @Test
    void onTheGroupPathAnAffectedFunctionWithoutAnIommuGroupIsEpermButOnTheCdevPathNotOwned() {
        Host host = TestHosts.boot("""
                hostname: ungrouped-sibling
                devices:
                  - {bdf: 0000:00:01.0, id: {vendor: 0x8086, device: 0xa70d, class: 0x060400}, driver: pcieport, iommuGroup: 1, reset: {secondaryBusReset: true}}
                  - {bdf: 0000:01:00.0, id: {vendor: 0x10de, device: 0x2330, class: 0x030200}, driver: vfio-pci, iommuGroup: 10, upstreamBridge: 0000:00:01.0}
                  - {bdf: 0000:01:00.1, id: {vendor: 0x10de, device: 0x22ba, class: 0x040300}, upstreamBridge: 0000:00:01.0}
                """);
        TestProcess groupUser = TestProcess.spawn(host);
        int groupDevice = throughGroup(groupUser, 10, "0000:01:00.0").device();

        fails(Errno.EPERM, () -> info(groupUser, groupDevice));

        groupUser.exit();
        TestProcess cdevUser = TestProcess.spawn(host);
        int iommufd = cdevUser.open("/dev/iommu");
        int cdev = cdevUser.open("/dev/vfio/devices/vfio0");
        int devid = cdevUser.ioctl(cdev, VfioDeviceBindIommufd.of(iommufd)).outDevid();
        VfioDeviceGetPciHotResetInfo.Reply reply = info(cdevUser, cdev);
        assertThat(reply.flags()).isEqualTo(DEV_ID);
        assertThat(reply.devices()).extracting(Entry::groupIdOrDevid).containsExactly(devid, NOT_OWNED);
    }

    @Test
    void onTheCdevPathASlotWithOneBoundGpuIsOwned() {
        Host gpus = Host.boot(TestHosts.shipped("gpu-server-8x"));
        TestProcess process = TestProcess.spawn(gpus);
        int iommufd = process.open("/dev/iommu");
        int device = process.open("/dev/vfio/devices/vfio0");
        int devid = process.ioctl(device, VfioDeviceBindIommufd.of(iommufd)).outDevid();

        VfioDeviceGetPciHotResetInfo.Reply reply = info(process, device);

        assertThat(reply.flags()).isEqualTo(DEV_ID | DEV_ID_OWNED);
        assertThat(reply.devices()).containsExactly(new Entry(devid, 0, 0x18, 0));
    }

    @Test
    void onTheCdevPathAnUnboundSiblingOfABoundGroupIsReportedOwned() {
        int iommufd = vmm.open("/dev/iommu");
        int device = vmm.open("/dev/vfio/devices/vfio3");
        int devid = vmm.ioctl(device, VfioDeviceBindIommufd.of(iommufd)).outDevid();

        VfioDeviceGetPciHotResetInfo.Reply reply = info(vmm, device);

        assertThat(reply.flags()).isEqualTo(DEV_ID | DEV_ID_OWNED);
        assertThat(reply.devices()).extracting(Entry::groupIdOrDevid).containsExactly(devid, OWNED);
    }

    @Test
    void onTheCdevPathFunctionsOfOtherOwnersOrOfHostDriversAreNotOwned() {
        int iommufd = vmm.open("/dev/iommu");
        int device = vmm.open("/dev/vfio/devices/vfio0");
        int devid = vmm.ioctl(device, VfioDeviceBindIommufd.of(iommufd)).outDevid();
        int secondDevid = vmm.ioctl(vmm.open("/dev/vfio/devices/vfio1"), VfioDeviceBindIommufd.of(iommufd)).outDevid();
        TestProcess other = TestProcess.spawn(legacy);
        bound(other, "vfio2", other.open("/dev/iommu"));

        VfioDeviceGetPciHotResetInfo.Reply reply = info(vmm, device);

        assertThat(reply.flags()).isEqualTo(DEV_ID);
        assertThat(reply.devices()).extracting(Entry::groupIdOrDevid).containsExactly(devid, secondDevid, NOT_OWNED, NOT_OWNED);
    }

    // ---- PCI_HOT_RESET (§13.3) ----

    @Test
    void hotResetWithFlagsOrAShortArgszIsEinval() {
        int device = bound(vmm, "vfio3", vmm.open("/dev/iommu"));

        fails(Errno.EINVAL, () -> vmm.ioctl(device, new VfioDevicePciHotReset(12, 1, List.of())));
        fails(Errno.EINVAL, () -> vmm.ioctl(device, new VfioDevicePciHotReset(11, 0, List.of())));
        assertThat(resets("0000:03:00.0")).isZero();
    }

    @Test
    void theZeroLengthFormIsOnlyForCdevOpenedDevices() {
        int device = throughGroup(vmm, 36, "0000:03:00.0").device();

        fails(Errno.EINVAL, () -> vmm.ioctl(device, ZERO_LENGTH));
    }

    @Test
    void groupFdsAreOnlyForGroupOpenedDevices() {
        int device = bound(vmm, "vfio3", vmm.open("/dev/iommu"));
        int otherGroup = vmm.open("/dev/vfio/32");

        fails(Errno.EINVAL, () -> vmm.ioctl(device, VfioDevicePciHotReset.of(List.of(otherGroup))));
        assertThat(resets("0000:03:00.0")).isZero();
    }

    @Test
    void moreGroupFdsThanAffectedFunctionsIsEinval() {
        Host simple = TestHosts.boot(TestHosts.simpleHost(2, "v11"));
        TestProcess process = TestProcess.spawn(simple);
        int device = throughGroup(process, 10, "0000:01:00.0").device();
        int group11 = process.open("/dev/vfio/11");

        fails(Errno.EINVAL, () -> process.ioctl(device, VfioDevicePciHotReset.of(List.of(group11, group11, group11))));
    }

    @Test
    void aGroupFdThatIsNotOpenIsEbadfAndOneThatIsNotAGroupIsEinval() {
        Host simple = TestHosts.boot(TestHosts.simpleHost(2, "v11"));
        TestProcess process = TestProcess.spawn(simple);
        int device = throughGroup(process, 10, "0000:01:00.0").device();
        int iommufd = process.open("/dev/iommu");

        fails(Errno.EBADF, () -> process.ioctl(device, VfioDevicePciHotReset.of(List.of(99))));
        fails(Errno.EINVAL, () -> process.ioctl(device, VfioDevicePciHotReset.of(List.of(iommufd))));
        fails(Errno.EINVAL, () -> process.ioctl(device, VfioDevicePciHotReset.of(List.of(device))));
    }

    @Test
    void anAffectedFunctionThatIsNotAVfioDeviceBlocksTheResetOnBothPaths() {
        GroupDevice opened = throughGroup(vmm, 31, "0000:02:00.0");
        int group32 = vmm.open("/dev/vfio/32");
        int group33 = vmm.open("/dev/vfio/33");

        fails(Errno.EINVAL, () -> vmm.ioctl(opened.device(), VfioDevicePciHotReset.of(List.of(opened.group(), group32, group33))));

        vmm.exit();
        TestProcess cdevUser = TestProcess.spawn(legacy);
        int iommufd = cdevUser.open("/dev/iommu");
        int cdev = bound(cdevUser, "vfio1", iommufd);
        bound(cdevUser, "vfio0", iommufd);
        bound(cdevUser, "vfio2", iommufd);
        fails(Errno.EINVAL, () -> cdevUser.ioctl(cdev, ZERO_LENGTH));
        assertThat(resets("0000:02:00.1")).isZero();
    }

    @Test
    void onTheGroupPathEveryMemberOpenedOrNotMustBeInAGivenGroup() {
        Host simple = TestHosts.boot(TestHosts.simpleHost(2, "v11"));
        TestProcess process = TestProcess.spawn(simple);
        GroupDevice opened = throughGroup(process, 10, "0000:01:00.0");
        int device = opened.device();
        int group10 = opened.group();

        fails(Errno.EINVAL, () -> process.ioctl(device, VfioDevicePciHotReset.of(List.of(group10))));
        assertThat(simple.vfioDevice("0000:01:00.0").resets()).isZero();

        int group11 = process.open("/dev/vfio/11");
        process.ioctl(device, VfioDevicePciHotReset.of(List.of(group10, group11)));
        assertThat(simple.vfioDevice("0000:01:00.0").resets()).isEqualTo(1);
        assertThat(simple.vfioDevice("0000:01:00.1").resets()).as("an unopened member is reset too").isEqualTo(1);
    }

    @Test
    void onTheCdevPathEveryMemberMustBeBoundToTheCallersContextOrShareABoundGroup() {
        Host simple = TestHosts.boot(TestHosts.simpleHost(2, "v11"));
        TestProcess process = TestProcess.spawn(simple);
        int iommufd = process.open("/dev/iommu");
        int device = bound(process, "vfio0", iommufd);

        fails(Errno.EINVAL, () -> process.ioctl(device, ZERO_LENGTH));

        int sibling = bound(process, "vfio1", process.open("/dev/iommu"));
        fails(Errno.EINVAL, () -> process.ioctl(device, ZERO_LENGTH));

        process.close(sibling);
        bound(process, "vfio1", iommufd);
        long before = simple.vfioDevice("0000:01:00.1").resets();
        process.ioctl(device, ZERO_LENGTH);
        assertThat(simple.vfioDevice("0000:01:00.0").resets()).isEqualTo(1);
        assertThat(simple.vfioDevice("0000:01:00.1").resets()).isEqualTo(before + 1);
    }

    @Test
    void onTheCdevPathAnUnboundMemberOfABoundGroupCountsAsOwned() {
        int device = bound(vmm, "vfio3", vmm.open("/dev/iommu"));

        vmm.ioctl(device, ZERO_LENGTH);

        assertThat(resets("0000:03:00.0")).isEqualTo(1);
        assertThat(resets("0000:03:00.1")).isEqualTo(1);
        assertThat(legacy.vfioDevice("0000:03:00.0").openCount()).as("open files and bindings survive").isEqualTo(1);
    }

    // ---- VFIO_DEVICE_RESET and GET_INFO (§13.4) ----

    @Test
    void aFunctionResetWithoutFlrIsEinval() {
        int device = bound(vmm, "vfio3", vmm.open("/dev/iommu"));

        fails(Errno.EINVAL, () -> vmm.ioctl(device, new VfioDeviceReset()));
    }

    @Test
    void aFunctionResetWithFlrResetsOnlyThatDevice() {
        Host simple = TestHosts.boot(TestHosts.simpleHost(2, "v11"));
        TestProcess process = TestProcess.spawn(simple);
        int device = bound(process, "vfio0", process.open("/dev/iommu"));

        process.ioctl(device, new VfioDeviceReset());

        assertThat(simple.vfioDevice("0000:01:00.0").resets()).isEqualTo(1);
        assertThat(simple.vfioDevice("0000:01:00.1").resets()).isZero();
    }

    @Test
    void getInfoReportsResetExactlyWhenTheFunctionHasOne() {
        int withoutFlr = bound(vmm, "vfio3", vmm.open("/dev/iommu"));
        Host gpus = Host.boot(TestHosts.shipped("gpu-server-8x"));
        TestProcess process = TestProcess.spawn(gpus);
        int withFlr = bound(process, "vfio0", process.open("/dev/iommu"));

        assertThat(vmm.ioctl(withoutFlr, VfioDeviceGetInfo.of()))
                .isEqualTo(new VfioDeviceGetInfo.Reply(VfioDeviceGetInfo.FLAGS_PCI, 9, 5));
        assertThat(process.ioctl(withFlr, VfioDeviceGetInfo.of()))
                .isEqualTo(new VfioDeviceGetInfo.Reply(VfioDeviceGetInfo.FLAGS_PCI | VfioDeviceGetInfo.FLAGS_RESET, 9, 5));
        fails(Errno.EINVAL, () -> vmm.ioctl(withoutFlr, new VfioDeviceGetInfo(15)));
    }

    // ---- automatic reset on release (§13.5) ----

    @Test
    void aDeviceWithFlrIsResetWhenItsLastFileCloses() {
        Host gpus = Host.boot(TestHosts.shipped("gpu-server-8x"));
        TestProcess process = TestProcess.spawn(gpus);
        int device = bound(process, "vfio0", process.open("/dev/iommu"));

        process.close(device);

        assertThat(gpus.vfioDevice("0000:18:00.0").resets()).isEqualTo(1);
        assertThat(gpus.vfioDevice("0000:18:00.0").needsReset()).isFalse();
    }

    @Test
    void aSetWithoutFlrIsBusResetWhenItsLastOpenMemberCloses() {
        int iommufd = vmm.open("/dev/iommu");
        int first = bound(vmm, "vfio3", iommufd);
        int second = bound(vmm, "vfio4", iommufd);

        vmm.close(first);
        assertThat(resets("0000:03:00.0")).as("a member is still open").isZero();
        assertThat(legacy.vfioDevice("0000:03:00.0").needsReset()).isTrue();

        vmm.close(second);
        assertThat(resets("0000:03:00.0")).isEqualTo(1);
        assertThat(resets("0000:03:00.1")).isEqualTo(1);
        assertThat(legacy.vfioDevice("0000:03:00.0").needsReset()).isFalse();
    }

    @Test
    void aSetWhoseBusHoldsAHostDrivenFunctionIsNeverResetOnRelease() {
        int device = bound(vmm, "vfio0", vmm.open("/dev/iommu"));

        vmm.close(device);

        assertThat(resets("0000:02:00.0")).isZero();
        assertThat(legacy.vfioDevice("0000:02:00.0").needsReset()).isTrue();
    }

    @Test
    void theGroupPathReleasesAndResetsLikeTheCdev() {
        GroupDevice opened = throughGroup(vmm, 36, "0000:03:00.1");

        vmm.close(opened.device());

        assertThat(resets("0000:03:00.0")).isEqualTo(1);
        assertThat(resets("0000:03:00.1")).isEqualTo(1);
    }
}
