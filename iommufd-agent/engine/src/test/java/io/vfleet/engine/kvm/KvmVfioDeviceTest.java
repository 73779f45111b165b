package io.vfleet.engine.kvm;

import static io.vfleet.engine.TestProcess.fails;
import static org.assertj.core.api.Assertions.assertThat;

import io.vfleet.engine.Errno;
import io.vfleet.engine.Host;
import io.vfleet.engine.TestHosts;
import io.vfleet.engine.TestProcess;
import io.vfleet.engine.uapi.Ioctl.KvmCreateDevice;
import io.vfleet.engine.uapi.Ioctl.KvmCreateVm;
import io.vfleet.engine.uapi.Ioctl.KvmSetDeviceAttr;
import io.vfleet.engine.uapi.Ioctl.VfioCheckExtension;
import io.vfleet.engine.uapi.Ioctl.VfioDeviceBindIommufd;
import io.vfleet.engine.uapi.Ioctl.VfioGroupGetDeviceFd;
import io.vfleet.engine.uapi.Ioctl.VfioGroupSetContainer;
import io.vfleet.engine.uapi.Ioctl.VfioSetIommu;
import io.vfleet.engine.vfio.VfioDevice;
import org.junit.jupiter.api.Test;

/**
 * The KVM-VFIO pseudo device (virt/kvm/vfio.c, KERNEL.md §12): its attributes, the file references
 * it holds, and the rule that a vfio device captures its VM only when it is opened. The simple host
 * has 0000:01:00.0 (vfio0, group 10) and 0000:01:00.1 (vfio1, group 11).
 */
class KvmVfioDeviceTest {
    private static final String DEVICE0 = "0000:01:00.0";

    private final Host host = TestHosts.boot(TestHosts.simpleHost(2, "v11"));
    private final TestProcess vmm = TestProcess.spawn(host);
    private final int vm = createVm(vmm);
    private final int kvmVfio = vmm.ioctl(vm, new KvmCreateDevice(KvmCreateDevice.KVM_DEV_TYPE_VFIO, 0)).fd();

    private static int createVm(TestProcess process) {
        return process.ioctl(process.open("/dev/kvm"), new KvmCreateVm(0)).fd();
    }

    private static Kvm kvmOf(TestProcess process, int vmFd) {
        Host host = process.host();
        return host.inspect(() -> ((KvmFiles.Vm) host.process(process.pid()).files().get(vmFd)).kvm());
    }

    private void fileAdd(int fd) {
        vmm.ioctl(kvmVfio, KvmSetDeviceAttr.fileAdd(fd));
    }

    private VfioDevice device0() {
        return host.vfioDevice(DEVICE0);
    }

    // ---- KVM_CREATE_DEVICE ----

    @Test
    void aVmHasAtMostOneKvmVfioDevice() {
        fails(Errno.EBUSY, () -> vmm.ioctl(vm, new KvmCreateDevice(KvmCreateDevice.KVM_DEV_TYPE_VFIO, 0)));

        vmm.close(kvmVfio);

        assertThat(vmm.ioctl(vm, new KvmCreateDevice(KvmCreateDevice.KVM_DEV_TYPE_VFIO, 0)).fd()).isNotNegative();
    }

    @Test
    void anotherVmGetsItsOwnKvmVfioDevice() {
        int otherVm = createVm(vmm);

        assertThat(vmm.ioctl(otherVm, new KvmCreateDevice(KvmCreateDevice.KVM_DEV_TYPE_VFIO, 0)).fd()).isNotNegative();
    }

    @Test
    void anUnknownDeviceTypeIsEnodev() {
        fails(Errno.ENODEV, () -> vmm.ioctl(vm, new KvmCreateDevice(99, 0)));
    }

    // ---- KVM_SET_DEVICE_ATTR ----

    @Test
    void anAttributeGroupOtherThanFileIsEnxio() {
        int group = vmm.open("/dev/vfio/10");

        fails(Errno.ENXIO, () -> vmm.ioctl(kvmVfio, new KvmSetDeviceAttr(0, 2, KvmSetDeviceAttr.FILE_ADD, group)));
        fails(Errno.ENXIO, () -> vmm.ioctl(kvmVfio, new KvmSetDeviceAttr(0, 0, KvmSetDeviceAttr.FILE_ADD, group)));
    }

    @Test
    void anAttributeOtherThanAddOrDelIsEnxio() {
        int group = vmm.open("/dev/vfio/10");

        fails(Errno.ENXIO, () -> vmm.ioctl(kvmVfio, new KvmSetDeviceAttr(0, KvmSetDeviceAttr.KVM_DEV_VFIO_FILE,
                KvmSetDeviceAttr.GROUP_SET_SPAPR_TCE, group)));
        fails(Errno.ENXIO, () -> vmm.ioctl(kvmVfio, new KvmSetDeviceAttr(0, KvmSetDeviceAttr.KVM_DEV_VFIO_FILE, 0, group)));
    }

    @Test
    void fileAddOfAClosedFdIsEbadf() {
        fails(Errno.EBADF, () -> fileAdd(77));
    }

    @Test
    void fileAddOfAFileThatIsNotAVfioGroupOrDeviceIsEinval() {
        int iommufd = vmm.open("/dev/iommu");
        int container = vmm.open("/dev/vfio/vfio");

        fails(Errno.EINVAL, () -> fileAdd(iommufd));
        fails(Errno.EINVAL, () -> fileAdd(container));
        fails(Errno.EINVAL, () -> fileAdd(vm));
    }

    @Test
    void fileAddAcceptsGroupsCdevsAndGroupDeviceFdsButEachFileOnlyOnce() {
        int group = vmm.open("/dev/vfio/10");
        int container = vmm.open("/dev/vfio/vfio");
        vmm.ioctl(group, new VfioGroupSetContainer(container));
        vmm.ioctl(container, new VfioSetIommu(VfioCheckExtension.TYPE1V2_IOMMU));
        int groupDevice = vmm.ioctl(group, new VfioGroupGetDeviceFd(DEVICE0)).fd();
        int cdev = vmm.open("/dev/vfio/devices/vfio1");

        fileAdd(group);
        fileAdd(groupDevice);
        fileAdd(cdev);

        fails(Errno.EEXIST, () -> fileAdd(group));
        fails(Errno.EEXIST, () -> fileAdd(groupDevice));
        fails(Errno.EEXIST, () -> fileAdd(cdev));
        int secondCdev = vmm.open("/dev/vfio/devices/vfio1");
        fileAdd(secondCdev);
        assertThat(kvmOf(vmm, vm).vfioDevice().files()).as("another open of the same cdev is another file").hasSize(4);
    }

    @Test
    void fileDelOfAFileThatWasNotAddedIsEnoentAndOfAClosedFdEbadf() {
        int group = vmm.open("/dev/vfio/10");

        fails(Errno.ENOENT, () -> vmm.ioctl(kvmVfio, KvmSetDeviceAttr.fileDel(group)));
        fails(Errno.EBADF, () -> vmm.ioctl(kvmVfio, KvmSetDeviceAttr.fileDel(77)));

        fileAdd(group);
        vmm.ioctl(kvmVfio, KvmSetDeviceAttr.fileDel(group));
        fails(Errno.ENOENT, () -> vmm.ioctl(kvmVfio, KvmSetDeviceAttr.fileDel(group)));
    }

    // ---- the ordering rule (§12, §14.1) ----

    @Test
    void fileAddBeforeBindGivesTheDeviceItsVm() {
        int iommufd = vmm.open("/dev/iommu");
        int cdev = vmm.open("/dev/vfio/devices/vfio0");
        fileAdd(cdev);

        vmm.ioctl(cdev, VfioDeviceBindIommufd.of(iommufd));

        assertThat(device0().kvm()).isSameAs(kvmOf(vmm, vm));
    }

    @Test
    void fileAddAfterBindDoesNotReachTheOpenDevice() {
        int iommufd = vmm.open("/dev/iommu");
        int cdev = vmm.open("/dev/vfio/devices/vfio0");
        vmm.ioctl(cdev, VfioDeviceBindIommufd.of(iommufd));

        fileAdd(cdev);

        assertThat(device0().kvm()).isNull();
    }

    @Test
    void fileDelAfterBindDoesNotTakeTheVmFromTheOpenDevice() {
        int iommufd = vmm.open("/dev/iommu");
        int cdev = vmm.open("/dev/vfio/devices/vfio0");
        fileAdd(cdev);
        vmm.ioctl(cdev, VfioDeviceBindIommufd.of(iommufd));

        vmm.ioctl(kvmVfio, KvmSetDeviceAttr.fileDel(cdev));

        assertThat(device0().kvm()).isSameAs(kvmOf(vmm, vm));
        vmm.close(cdev);
        assertThat(device0().kvm()).isNull();
    }

    @Test
    void onTheGroupPathTheFirstGetDeviceFdCapturesTheGroupsVm() {
        int group = vmm.open("/dev/vfio/10");
        int container = vmm.open("/dev/vfio/vfio");
        vmm.ioctl(group, new VfioGroupSetContainer(container));
        vmm.ioctl(container, new VfioSetIommu(VfioCheckExtension.TYPE1V2_IOMMU));
        fileAdd(group);

        vmm.ioctl(group, new VfioGroupGetDeviceFd(DEVICE0));

        assertThat(device0().kvm()).isSameAs(kvmOf(vmm, vm));
    }

    @Test
    void onTheGroupPathAFileAddAfterTheFirstOpenDoesNotReachTheDevice() {
        int group = vmm.open("/dev/vfio/10");
        int container = vmm.open("/dev/vfio/vfio");
        vmm.ioctl(group, new VfioGroupSetContainer(container));
        vmm.ioctl(container, new VfioSetIommu(VfioCheckExtension.TYPE1V2_IOMMU));
        vmm.ioctl(group, new VfioGroupGetDeviceFd(DEVICE0));

        fileAdd(group);
        vmm.ioctl(group, new VfioGroupGetDeviceFd(DEVICE0));

        assertThat(device0().kvm()).as("later opens only count").isNull();
    }

    @Test
    void aDriverThatNeedsKvmFailsToBindUntilTheFileWasAddedFirst() {
        Host mdev = Host.boot(TestHosts.shipped("emulated-devices"));
        TestProcess process = TestProcess.spawn(mdev);
        VfioDevice matrix = mdev.vfioDevice("ap-matrix-0");
        int iommufd = process.open("/dev/iommu");
        int cdev = process.open("/dev/vfio/devices/" + matrix.cdevName());

        fails(Errno.EINVAL, () -> process.ioctl(cdev, VfioDeviceBindIommufd.of(iommufd)));
        assertThat(matrix.openCount()).isZero();

        int processVm = createVm(process);
        int processKvmVfio = process.ioctl(processVm, new KvmCreateDevice(KvmCreateDevice.KVM_DEV_TYPE_VFIO, 0)).fd();
        process.ioctl(processKvmVfio, KvmSetDeviceAttr.fileAdd(cdev));
        assertThat(process.ioctl(cdev, VfioDeviceBindIommufd.of(iommufd)).outDevid()).isPositive();
        assertThat(matrix.kvm()).isSameAs(kvmOf(process, processVm));
    }

    @Test
    void aDriverThatNeedsKvmFailsGetDeviceFdUntilTheGroupWasAddedFirst() {
        Host mdev = Host.boot(TestHosts.shipped("emulated-devices"));
        TestProcess process = TestProcess.spawn(mdev);
        VfioDevice gvt = mdev.vfioDevice("gvt-0");
        int group = process.open("/dev/vfio/" + gvt.group().nodeName());
        int container = process.open("/dev/vfio/vfio");
        process.ioctl(group, new VfioGroupSetContainer(container));
        process.ioctl(container, new VfioSetIommu(VfioCheckExtension.TYPE1V2_IOMMU));

        fails(Errno.EINVAL, () -> process.ioctl(group, new VfioGroupGetDeviceFd("gvt-0")));

        int processVm = createVm(process);
        int processKvmVfio = process.ioctl(processVm, new KvmCreateDevice(KvmCreateDevice.KVM_DEV_TYPE_VFIO, 0)).fd();
        process.ioctl(processKvmVfio, KvmSetDeviceAttr.fileAdd(group));
        assertThat(process.ioctl(group, new VfioGroupGetDeviceFd("gvt-0")).fd()).isNotNegative();
        assertThat(gvt.kvm()).isSameAs(kvmOf(process, processVm));
    }

    // ---- file references ----

    @Test
    void kvmKeepsABoundDeviceFileAfterTheProcessClosedItsFd() {
        int iommufd = vmm.open("/dev/iommu");
        int cdev = vmm.open("/dev/vfio/devices/vfio0");
        fileAdd(cdev);
        vmm.ioctl(cdev, VfioDeviceBindIommufd.of(iommufd));

        vmm.close(cdev);

        assertThat(device0().openCount()).isEqualTo(1);
        fails(Errno.EBUSY, () -> vmm.open("/dev/vfio/10"));

        vmm.close(kvmVfio);

        assertThat(device0().openCount()).isZero();
        assertThat(device0().iommuGroup().isOwned()).isFalse();
        assertThat(vmm.open("/dev/vfio/10")).isNotNegative();
    }

    @Test
    void kvmKeepsAGroupOpenSoItsDevicesCannotBindThroughTheirCdev() {
        int group = vmm.open("/dev/vfio/10");
        fileAdd(group);
        vmm.close(group);
        int iommufd = vmm.open("/dev/iommu");
        int cdev = vmm.open("/dev/vfio/devices/vfio0");

        fails(Errno.EBUSY, () -> vmm.ioctl(cdev, VfioDeviceBindIommufd.of(iommufd)));

        vmm.close(kvmVfio);
        assertThat(vmm.ioctl(cdev, VfioDeviceBindIommufd.of(iommufd)).outDevid()).isPositive();
    }

    @Test
    void exitingReleasesEverythingTheKvmVfioDeviceHeld() {
        int iommufd = vmm.open("/dev/iommu");
        int cdev = vmm.open("/dev/vfio/devices/vfio0");
        fileAdd(cdev);
        vmm.ioctl(cdev, VfioDeviceBindIommufd.of(iommufd));

        vmm.exit();

        assertThat(device0().openCount()).isZero();
        assertThat(device0().kvm()).isNull();
        assertThat(device0().group().cdevDeviceOpenCount()).isZero();
    }

    @Test
    void aDeviceWhoseIommuCannotEnforceCoherencyMakesTheVmNonCoherentWhileItIsAdded() {
        Host nonCoherent = TestHosts.boot(TestHosts.simpleHost(1, "v11").replace("reset: {functionReset: true}",
                "reset: {functionReset: true}\n    iommu: {cacheCoherent: false}"));
        TestProcess process = TestProcess.spawn(nonCoherent);
        int processVm = createVm(process);
        int processKvmVfio = process.ioctl(processVm, new KvmCreateDevice(KvmCreateDevice.KVM_DEV_TYPE_VFIO, 0)).fd();
        int cdev = process.open("/dev/vfio/devices/vfio0");
        Kvm kvm = kvmOf(process, processVm);

        process.ioctl(processKvmVfio, KvmSetDeviceAttr.fileAdd(cdev));
        assertThat(kvm.nonCoherentDma()).isTrue();

        process.ioctl(processKvmVfio, KvmSetDeviceAttr.fileDel(cdev));
        assertThat(kvm.nonCoherentDma()).isFalse();
    }
}
