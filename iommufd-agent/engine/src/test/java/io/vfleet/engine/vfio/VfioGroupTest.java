package io.vfleet.engine.vfio;

import static io.vfleet.engine.TestProcess.fails;
import static org.assertj.core.api.Assertions.assertThat;

import io.vfleet.engine.Errno;
import io.vfleet.engine.Host;
import io.vfleet.engine.KernelProfile;
import io.vfleet.engine.TestHosts;
import io.vfleet.engine.TestProcess;
import io.vfleet.engine.process.Capability;
import io.vfleet.engine.uapi.Ioctl.IommuVfioIoas;
import io.vfleet.engine.uapi.Ioctl.VfioCheckExtension;
import io.vfleet.engine.uapi.Ioctl.VfioDeviceAttachIommufdPt;
import io.vfleet.engine.uapi.Ioctl.VfioDeviceBindIommufd;
import io.vfleet.engine.uapi.Ioctl.VfioDeviceDetachIommufdPt;
import io.vfleet.engine.uapi.Ioctl.VfioGroupGetDeviceFd;
import io.vfleet.engine.uapi.Ioctl.VfioGroupGetStatus;
import io.vfleet.engine.uapi.Ioctl.VfioGroupSetContainer;
import io.vfleet.engine.uapi.Ioctl.VfioGroupUnsetContainer;
import io.vfleet.engine.uapi.Ioctl.VfioSetIommu;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The group path, {@code /dev/vfio/<group>} (KERNEL.md §5 and the exclusion rules of §7.1), driven
 * through {@link Host} as a VMM would. The simple host has 0000:01:00.0 (vfio0, group 10) and
 * 0000:01:00.1 (vfio1, group 11).
 */
class VfioGroupTest {
    private static final String DEVICE0 = "0000:01:00.0";
    private static final int VIABLE = VfioGroupGetStatus.FLAGS_VIABLE;
    private static final int CONTAINER_SET = VfioGroupGetStatus.FLAGS_CONTAINER_SET;

    private final Host host = TestHosts.boot(TestHosts.simpleHost(2, "v11"));
    private final TestProcess vmm = TestProcess.spawn(host);

    /** Opens group 10, puts it in a fresh legacy container with TYPE1v2 and returns the group fd. */
    private int groupInTypeOneContainer(TestProcess process) {
        int group = process.open("/dev/vfio/10");
        int container = process.open("/dev/vfio/vfio");
        process.ioctl(group, new VfioGroupSetContainer(container));
        process.ioctl(container, new VfioSetIommu(VfioCheckExtension.TYPE1V2_IOMMU));
        return group;
    }

    private int groupWithIommufd(TestProcess process) {
        int group = process.open("/dev/vfio/10");
        int iommufd = process.open("/dev/iommu");
        process.ioctl(group, new VfioGroupSetContainer(iommufd));
        return group;
    }

    private VfioDevice device0() {
        return host.vfioDevice(DEVICE0);
    }

    // ---- open (§5.1) ----

    @Test
    void openingANoiommuGroupNeedsRawio() {
        Host noiommu = Host.boot(TestHosts.shipped("noiommu-host"));
        String node = "/dev/vfio/" + noiommu.vfioDevice("0000:00:03.0").group().nodeName();
        assertThat(node).startsWith("/dev/vfio/noiommu-");

        fails(Errno.EPERM, () -> TestProcess.spawn(noiommu).open(node));
        assertThat(TestProcess.spawn(noiommu, Capability.CAP_SYS_RAWIO).open(node)).isNotNegative();
    }

    @Test
    void openingAGroupWhileOneOfItsDevicesIsBoundThroughItsCdevIsEbusy() {
        int iommufd = vmm.open("/dev/iommu");
        int device = vmm.open("/dev/vfio/devices/vfio0");
        vmm.ioctl(device, VfioDeviceBindIommufd.of(iommufd));

        fails(Errno.EBUSY, () -> vmm.open("/dev/vfio/10"));
        assertThat(vmm.open("/dev/vfio/11")).as("another group is not blocked").isNotNegative();

        vmm.close(device);
        assertThat(vmm.open("/dev/vfio/10")).as("unbinding unblocks the group").isNotNegative();
    }

    @Test
    void aGroupOpensOnceAtATimeWhoeverAsks() {
        int group = vmm.open("/dev/vfio/10");
        TestProcess other = TestProcess.spawn(host);

        fails(Errno.EBUSY, () -> vmm.open("/dev/vfio/10"));
        fails(Errno.EBUSY, () -> other.open("/dev/vfio/10"));

        vmm.close(group);
        assertThat(other.open("/dev/vfio/10")).isNotNegative();
    }

    // ---- GET_STATUS (§5.2) ----

    @Test
    void statusIsViableAloneAndContainerSetOnceAContainerIsSet() {
        int group = vmm.open("/dev/vfio/10");
        assertThat(vmm.ioctl(group, VfioGroupGetStatus.of()).flags()).isEqualTo(VIABLE);

        vmm.ioctl(group, new VfioGroupSetContainer(vmm.open("/dev/vfio/vfio")));

        assertThat(vmm.ioctl(group, VfioGroupGetStatus.of()).flags()).isEqualTo(VIABLE | CONTAINER_SET);
    }

    @Test
    void statusWithAnArgszBelowEightIsEinval() {
        int group = vmm.open("/dev/vfio/10");

        fails(Errno.EINVAL, () -> vmm.ioctl(group, new VfioGroupGetStatus(7)));
    }

    @Test
    void aGroupWhoseAudioFunctionIsDrivenByTheHostIsNotViable() {
        Host workstation = Host.boot(TestHosts.shipped("workstation-gpu-audio"));
        TestProcess process = TestProcess.spawn(workstation);
        int fullyVfio = process.open("/dev/vfio/12");
        int withAudio = process.open("/dev/vfio/13");

        assertThat(process.ioctl(fullyVfio, VfioGroupGetStatus.of()).flags()).isEqualTo(VIABLE);
        assertThat(process.ioctl(withAudio, VfioGroupGetStatus.of()).flags()).isZero();
    }

    @Test
    void aGroupWithAnIommufdReportsViableEvenWhenGettingADeviceWillFailItsOwnershipClaim() {
        Host workstation = Host.boot(TestHosts.shipped("workstation-gpu-audio"));
        TestProcess process = TestProcess.spawn(workstation);
        int group = process.open("/dev/vfio/13");
        process.ioctl(group, new VfioGroupSetContainer(process.open("/dev/iommu")));

        assertThat(process.ioctl(group, VfioGroupGetStatus.of()).flags()).isEqualTo(VIABLE | CONTAINER_SET);
        fails(Errno.EPERM, () -> process.ioctl(group, new VfioGroupGetDeviceFd("0000:02:00.0")));
        assertThat(workstation.vfioDevice("0000:02:00.0").openCount()).isZero();
    }

    @Test
    void aLegacyContainerCannotClaimAGroupAHostDriverUses() {
        Host workstation = Host.boot(TestHosts.shipped("workstation-gpu-audio"));
        TestProcess process = TestProcess.spawn(workstation);
        int group = process.open("/dev/vfio/13");

        fails(Errno.EPERM, () -> process.ioctl(group, new VfioGroupSetContainer(process.open("/dev/vfio/vfio"))));
        assertThat(process.ioctl(group, VfioGroupGetStatus.of()).flags()).as("nothing was set").isZero();
    }

    // ---- SET_CONTAINER (§5.3) ----

    @Test
    void setContainerAcceptsALegacyContainer() {
        int group = vmm.open("/dev/vfio/10");
        int container = vmm.open("/dev/vfio/vfio");

        vmm.ioctl(group, new VfioGroupSetContainer(container));

        assertThat(device0().group().container()).isNotNull();
        assertThat(device0().iommuGroup().owner()).as("group-level DMA ownership").isSameAs(device0().group());
    }

    @Test
    void setContainerWithAnIommufdGivesTheContextACompatIoasAndClaimsNothingYet() {
        int group = vmm.open("/dev/vfio/10");
        int iommufd = vmm.open("/dev/iommu");

        vmm.ioctl(group, new VfioGroupSetContainer(iommufd));

        assertThat(vmm.ioctl(iommufd, IommuVfioIoas.of(IommuVfioIoas.OP_GET, 0)).ioasId()).isEqualTo(1);
        assertThat(device0().iommuGroup().isOwned()).isFalse();
    }

    @Test
    void setContainerAcceptsTheCompatContainerNode() {
        Host compat = TestHosts.boot(TestHosts.simpleHost(1, "v11").replace("kernel: {profile: v11}",
                "kernel: {profile: v11, vfioContainer: false, iommufdVfioContainer: true}"));
        TestProcess process = TestProcess.spawn(compat);
        int group = process.open("/dev/vfio/10");
        int container = process.open("/dev/vfio/vfio");

        process.ioctl(group, new VfioGroupSetContainer(container));

        assertThat(process.ioctl(container, IommuVfioIoas.of(IommuVfioIoas.OP_GET, 0)).ioasId()).isEqualTo(1);
    }

    @Test
    void setContainerWithAFileThatIsNeitherContainerNorIommufdIsEbadfd() {
        int group = vmm.open("/dev/vfio/10");
        int kvm = vmm.open("/dev/kvm");
        int otherGroup = vmm.open("/dev/vfio/11");

        fails(Errno.EBADFD, () -> vmm.ioctl(group, new VfioGroupSetContainer(kvm)));
        fails(Errno.EBADFD, () -> vmm.ioctl(group, new VfioGroupSetContainer(otherGroup)));
    }

    @Test
    void setContainerWithAClosedFdIsEbadf() {
        int group = vmm.open("/dev/vfio/10");

        fails(Errno.EBADF, () -> vmm.ioctl(group, new VfioGroupSetContainer(42)));
    }

    @Test
    void setContainerTwiceIsEinvalWhateverTheSecondFdIs() {
        int group = vmm.open("/dev/vfio/10");
        vmm.ioctl(group, new VfioGroupSetContainer(vmm.open("/dev/vfio/vfio")));
        int iommufd = vmm.open("/dev/iommu");
        int kvm = vmm.open("/dev/kvm");

        fails(Errno.EINVAL, () -> vmm.ioctl(group, new VfioGroupSetContainer(vmm.open("/dev/vfio/vfio"))));
        fails(Errno.EINVAL, () -> vmm.ioctl(group, new VfioGroupSetContainer(iommufd)));
        fails(Errno.EINVAL, () -> vmm.ioctl(group, new VfioGroupSetContainer(kvm)));
    }

    // ---- UNSET_CONTAINER (§5.4) ----

    @Test
    void unsetWithoutAContainerIsEinval() {
        int group = vmm.open("/dev/vfio/10");

        fails(Errno.EINVAL, () -> vmm.ioctl(group, new VfioGroupUnsetContainer()));
    }

    @Test
    void unsetOfAContainerIsEbusyWhileADeviceFdIsOpenAndWorksAfterwards() {
        int group = groupInTypeOneContainer(vmm);
        int device = vmm.ioctl(group, new VfioGroupGetDeviceFd(DEVICE0)).fd();

        fails(Errno.EBUSY, () -> vmm.ioctl(group, new VfioGroupUnsetContainer()));

        vmm.close(device);
        vmm.ioctl(group, new VfioGroupUnsetContainer());
        assertThat(vmm.ioctl(group, VfioGroupGetStatus.of()).flags()).isEqualTo(VIABLE);
        assertThat(device0().iommuGroup().isOwned()).isFalse();
    }

    @Test
    void unsetOfAnIommufdDoesNotCheckForOpenDevices() {
        int group = groupWithIommufd(vmm);
        vmm.ioctl(group, new VfioGroupGetDeviceFd(DEVICE0));

        vmm.ioctl(group, new VfioGroupUnsetContainer());

        assertThat(device0().group().iommufd()).isNull();
        assertThat(device0().openCount()).as("the open device keeps its binding").isEqualTo(1);
    }

    // ---- GET_DEVICE_FD (§5.5) ----

    @Test
    void getDeviceFdOfAnUnknownNameIsEnodev() {
        int group = groupInTypeOneContainer(vmm);

        fails(Errno.ENODEV, () -> vmm.ioctl(group, new VfioGroupGetDeviceFd("0000:01:00.1")));
        fails(Errno.ENODEV, () -> vmm.ioctl(group, new VfioGroupGetDeviceFd("nonsense")));
    }

    @Test
    void getDeviceFdWithoutAContainerIsEinval() {
        int group = vmm.open("/dev/vfio/10");

        fails(Errno.EINVAL, () -> vmm.ioctl(group, new VfioGroupGetDeviceFd(DEVICE0)));
    }

    @Test
    void getDeviceFdBeforeSetIommuIsEinval() {
        int group = vmm.open("/dev/vfio/10");
        vmm.ioctl(group, new VfioGroupSetContainer(vmm.open("/dev/vfio/vfio")));

        fails(Errno.EINVAL, () -> vmm.ioctl(group, new VfioGroupGetDeviceFd(DEVICE0)));
        assertThat(device0().openCount()).isZero();
    }

    @Test
    void aDeviceNameThatDoesNotFitInAPageWithItsNulIsEinval() {
        int group = groupInTypeOneContainer(vmm);

        fails(Errno.EINVAL, () -> vmm.ioctl(group, new VfioGroupGetDeviceFd("x".repeat(5000))));
        fails(Errno.EINVAL, () -> vmm.ioctl(group, new VfioGroupGetDeviceFd("x".repeat(4096))));
        fails(Errno.ENODEV, () -> vmm.ioctl(group, new VfioGroupGetDeviceFd("x".repeat(4095))));
    }

    @Test
    void oneDeviceMayHaveSeveralFdsFromTheGroup() {
        int group = groupInTypeOneContainer(vmm);

        int first = vmm.ioctl(group, new VfioGroupGetDeviceFd(DEVICE0)).fd();
        int second = vmm.ioctl(group, new VfioGroupGetDeviceFd(DEVICE0)).fd();

        assertThat(second).isNotEqualTo(first);
        assertThat(device0().openCount()).isEqualTo(2);
        vmm.close(first);
        assertThat(device0().openCount()).isEqualTo(1);
        vmm.close(second);
        assertThat(device0().openCount()).isZero();
    }

    @Test
    void getDeviceFdWithAnIommufdBindsTheDeviceAndAttachesItToTheCompatIoas() {
        int group = groupWithIommufd(vmm);

        vmm.ioctl(group, new VfioGroupGetDeviceFd(DEVICE0));

        assertThat(device0().iommufdAttached()).isTrue();
        assertThat(device0().iommufdDevice().hwpt().ioas()).isSameAs(device0().iommufd().vfioIoas());
        assertThat(device0().iommuGroup().owner()).isSameAs(device0().iommufd());
    }

    @Test
    void getDeviceFdAfterTheCompatIoasWasClearedIsEnodev() {
        int group = vmm.open("/dev/vfio/10");
        int iommufd = vmm.open("/dev/iommu");
        vmm.ioctl(group, new VfioGroupSetContainer(iommufd));
        vmm.ioctl(iommufd, IommuVfioIoas.of(IommuVfioIoas.OP_CLEAR, 0));

        fails(Errno.ENODEV, () -> vmm.ioctl(group, new VfioGroupGetDeviceFd(DEVICE0)));
        assertThat(device0().openCount()).isZero();
        assertThat(device0().iommuGroup().isOwned()).as("the failed open gave the group back").isFalse();
    }

    @Test
    void aSiblingCannotBeOpenedIntoASecondContextWhileTheFirstOwnsTheirIommuGroup() {
        Host shared = Host.boot(TestHosts.shipped("legacy-shared-bus"));
        TestProcess process = TestProcess.spawn(shared);
        int first = process.open("/dev/iommu");
        int group = process.open("/dev/vfio/36");
        process.ioctl(group, new VfioGroupSetContainer(first));
        process.ioctl(group, new VfioGroupGetDeviceFd("0000:03:00.0"));
        process.ioctl(group, new VfioGroupUnsetContainer());
        process.ioctl(group, new VfioGroupSetContainer(process.open("/dev/iommu")));

        fails(Errno.EPERM, () -> process.ioctl(group, new VfioGroupGetDeviceFd("0000:03:00.1")));
        VfioDevice opened = shared.vfioDevice("0000:03:00.0");
        assertThat(opened.iommuGroup().owner()).isSameAs(opened.iommufd());
        assertThat(shared.vfioDevice("0000:03:00.1").openCount()).isZero();
    }

    // ---- exclusion with the cdev path (§7.1) ----

    @Test
    void bindingADeviceWhoseGroupIsOpenIsEbusyButOpeningItsCdevIsNot() {
        vmm.open("/dev/vfio/10");
        int iommufd = vmm.open("/dev/iommu");

        int device = vmm.open("/dev/vfio/devices/vfio0");

        fails(Errno.EBUSY, () -> vmm.ioctl(device, VfioDeviceBindIommufd.of(iommufd)));
        assertThat(device0().group().cdevDeviceOpenCount()).as("the failed bind unblocked again").isZero();
    }

    @Test
    void inContainerModeDeviceFdsHoldTheGroupOpenAfterItsFdIsClosed() {
        int group = groupInTypeOneContainer(vmm);
        int groupDevice = vmm.ioctl(group, new VfioGroupGetDeviceFd(DEVICE0)).fd();
        vmm.close(group);
        TestProcess other = TestProcess.spawn(host);
        int iommufd = other.open("/dev/iommu");
        int cdev = other.open("/dev/vfio/devices/vfio0");

        fails(Errno.EBUSY, () -> other.ioctl(cdev, VfioDeviceBindIommufd.of(iommufd)));
        fails(Errno.EBUSY, () -> other.open("/dev/vfio/10"));

        vmm.close(groupDevice);
        assertThat(other.ioctl(cdev, VfioDeviceBindIommufd.of(iommufd)).outDevid()).isPositive();
        assertThat(device0().iommuGroup().owner()).isSameAs(device0().iommufd());
    }

    @Test
    void inIommufdModeAClosedGroupFdLetsTheCdevInButTheOpenDeviceStillCannotBind() {
        int group = groupWithIommufd(vmm);
        vmm.ioctl(group, new VfioGroupGetDeviceFd(DEVICE0));
        vmm.close(group);
        int iommufd = vmm.open("/dev/iommu");
        int cdev = vmm.open("/dev/vfio/devices/vfio0");

        fails(Errno.EINVAL, () -> vmm.ioctl(cdev, VfioDeviceBindIommufd.of(iommufd)));
        assertThat(device0().group().openedFile()).isNull();
    }

    @Test
    void aDeviceFdFromTheGroupCannotBind() {
        int group = groupInTypeOneContainer(vmm);
        int device = vmm.ioctl(group, new VfioGroupGetDeviceFd(DEVICE0)).fd();
        int iommufd = vmm.open("/dev/iommu");

        fails(Errno.EINVAL, () -> vmm.ioctl(device, VfioDeviceBindIommufd.of(iommufd)));
    }

    @ParameterizedTest
    @EnumSource(KernelProfile.class)
    void aDeviceFdFromTheGroupCannotAttachOrDetach(KernelProfile profile) {
        Host profiled = TestHosts.boot(TestHosts.simpleHost(1, profile.label()));
        TestProcess process = TestProcess.spawn(profiled);
        int group = groupWithIommufd(process);
        int device = process.ioctl(group, new VfioGroupGetDeviceFd(DEVICE0)).fd();
        Errno expected = profile == KernelProfile.V11 ? Errno.EINVAL : Errno.ENOTTY;

        fails(expected, () -> process.ioctl(device, VfioDeviceAttachIommufdPt.of(1)));
        fails(expected, () -> process.ioctl(device, VfioDeviceDetachIommufdPt.of()));
    }
}
