package io.vfleet.engine.kvm;

import io.vfleet.engine.Errno;
import io.vfleet.engine.FaultInjection;
import io.vfleet.engine.process.KernelFile;
import io.vfleet.engine.process.Process;
import io.vfleet.engine.uapi.Ioctl;
import io.vfleet.engine.uapi.Ioctl.Done;
import io.vfleet.engine.uapi.Ioctl.KvmCreateDevice;
import io.vfleet.engine.uapi.Ioctl.KvmCreateVm;
import io.vfleet.engine.uapi.Ioctl.KvmSetDeviceAttr;
import java.util.function.IntSupplier;
import java.util.function.Supplier;

/**
 * The three kinds of KVM file (virt/kvm/kvm_main.c): {@code /dev/kvm}, a VM fd, and a device fd.
 * Only what vfio needs is modelled: creating a VM, creating its KVM-VFIO device, and that
 * device's attributes. Guarded by the host lock.
 */
public final class KvmFiles {
    private KvmFiles() {
    }

    /** An open {@code /dev/kvm}: KVM_CREATE_VM. */
    // The KVM API's name for /dev/kvm and its ioctls; always used qualified, as KvmFiles.System.
    @SuppressWarnings("AvoidCommonTypeNames")
    public static final class System extends KernelFile {
        private final IntSupplier nextVmId;

        public System(IntSupplier nextVmId) {
            this.nextVmId = nextVmId;
        }

        @Override
        public String kind() {
            return "kvm";
        }

        @Override
        public Object ioctl(Process caller, Ioctl<?> request) {
            if (!(request instanceof KvmCreateVm create)) {
                return notTty(this, request);
            }
            if (create.type() != 0) {
                throw Errno.EINVAL.exception("VM type " + create.type() + " is not supported");
            }
            return new KvmCreateVm.Reply(install(caller, () -> new Vm(new Kvm(nextVmId.getAsInt()))));
        }

        @Override
        protected void release() {
        }
    }

    /** A VM fd: KVM_CREATE_DEVICE. */
    public static final class Vm extends KernelFile {
        private final Kvm kvm;

        public Vm(Kvm kvm) {
            this.kvm = kvm;
        }

        public Kvm kvm() {
            return kvm;
        }

        @Override
        public String kind() {
            return "kvm-vm";
        }

        @Override
        public Object ioctl(Process caller, Ioctl<?> request) {
            if (!(request instanceof KvmCreateDevice create)) {
                return notTty(this, request);
            }
            if (create.type() != KvmCreateDevice.KVM_DEV_TYPE_VFIO) {
                throw Errno.ENODEV.exception("KVM device type " + create.type() + " does not exist");
            }
            if (kvm.vfioDevice() != null) {
                throw Errno.EBUSY.exception("VM " + kvm.id() + " already has a KVM-VFIO device");
            }
            return new KvmCreateDevice.Reply(install(caller, () -> {
                FaultInjection.point("kvm device");
                KvmVfioDevice device = new KvmVfioDevice(kvm);
                kvm.setVfioDevice(device);
                kvm.get();
                return new VfioDevice(device);
            }));
        }

        @Override
        protected void release() {
            kvm.put();
        }
    }

    /** A KVM-VFIO device fd: KVM_SET_DEVICE_ATTR. Closing it releases the device's files. */
    public static final class VfioDevice extends KernelFile {
        private final KvmVfioDevice device;

        public VfioDevice(KvmVfioDevice device) {
            this.device = device;
        }

        public KvmVfioDevice device() {
            return device;
        }

        @Override
        public String kind() {
            return "kvm-vfio-device";
        }

        @Override
        public Object ioctl(Process caller, Ioctl<?> request) {
            if (!(request instanceof KvmSetDeviceAttr attribute)) {
                return notTty(this, request);
            }
            device.setAttribute(caller, attribute);
            return Done.INSTANCE;
        }

        @Override
        protected void release() {
            device.release();
            device.kvm().put();
        }
    }

    /** anon_inode_getfd: an fd first, then the file behind it. */
    private static int install(Process caller, Supplier<KernelFile> file) {
        return caller.files().open(file);
    }
}
