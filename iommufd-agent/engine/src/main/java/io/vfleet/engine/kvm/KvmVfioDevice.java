package io.vfleet.engine.kvm;

import io.vfleet.engine.Errno;
import io.vfleet.engine.FaultInjection;
import io.vfleet.engine.process.KernelFile;
import io.vfleet.engine.process.Process;
import io.vfleet.engine.uapi.Ioctl.KvmSetDeviceAttr;
import io.vfleet.engine.vfio.VfioDeviceFile;
import io.vfleet.engine.vfio.VfioGroupFile;
import java.util.ArrayList;
import java.util.List;

/**
 * The KVM-VFIO pseudo device ({@code struct kvm_vfio}, virt/kvm/vfio.c): the VM's list of vfio
 * files, each held open by a file reference, so a device added here stays bound (and a group
 * stays opened) until FILE_DEL or until this device goes (KERNEL.md §12).
 *
 * <p>Adding a file only sets its KVM association; a vfio device captures it when it is opened, so
 * FILE_ADD must come before BIND or the first GET_DEVICE_FD. Guarded by the host lock.
 */
public final class KvmVfioDevice {
    private final Kvm kvm;
    private final List<KernelFile> files = new ArrayList<>();

    KvmVfioDevice(Kvm kvm) {
        this.kvm = kvm;
    }

    public Kvm kvm() {
        return kvm;
    }

    /** The vfio files the VM holds, in the order they were added. */
    public List<KernelFile> files() {
        return List.copyOf(files);
    }

    /** KVM_SET_DEVICE_ATTR with group KVM_DEV_VFIO_FILE. */
    void setAttribute(Process caller, KvmSetDeviceAttr request) {
        if (request.group() != KvmSetDeviceAttr.KVM_DEV_VFIO_FILE) {
            throw Errno.ENXIO.exception("KVM-VFIO attribute group " + request.group() + " is not KVM_DEV_VFIO_FILE");
        }
        if (request.attr() == KvmSetDeviceAttr.FILE_ADD) {
            fileAdd(caller.files().get(request.fd()));
        } else if (request.attr() == KvmSetDeviceAttr.FILE_DEL) {
            fileDel(caller.files().get(request.fd()));
        } else {
            throw Errno.ENXIO.exception("KVM-VFIO attribute " + request.attr() + " is neither FILE_ADD nor FILE_DEL");
        }
    }

    private void fileAdd(KernelFile file) {
        if (!(file instanceof VfioGroupFile) && !(file instanceof VfioDeviceFile)) {
            throw Errno.EINVAL.exception("a " + file.kind() + " file is not a vfio group or device file");
        }
        if (files.contains(file)) {
            throw Errno.EEXIST.exception("this " + file.kind() + " file is already added to VM " + kvm.id());
        }
        FaultInjection.point("kvm-vfio file entry");
        file.get();
        files.add(file);
        associate(file, kvm);
        updateCoherency();
    }

    private void fileDel(KernelFile file) {
        if (!files.remove(file)) {
            throw Errno.ENOENT.exception("this " + file.kind() + " file was not added to VM " + kvm.id());
        }
        associate(file, null);
        updateCoherency();
        file.put();
    }

    /** kvm_vfio_release: FILE_DEL of every file. */
    void release() {
        for (KernelFile file : List.copyOf(files)) {
            files.remove(file);
            associate(file, null);
            file.put();
        }
        updateCoherency();
        kvm.setVfioDevice(null);
    }

    private static void associate(KernelFile file, Kvm kvm) {
        switch (file) {
            case VfioGroupFile group -> group.group().setKvm(kvm);
            case VfioDeviceFile device -> device.setKvm(kvm);
            default -> throw new AssertionError("not a vfio file: " + file.kind());
        }
    }

    /** kvm_vfio_update_coherency: one device whose IOMMU cannot keep DMA coherent makes the VM non-coherent. */
    private void updateCoherency() {
        boolean nonCoherent = false;
        for (KernelFile file : files) {
            if (file instanceof VfioDeviceFile device && device.device().facts() != null
                    && !device.device().facts().enforceCacheCoherency()) {
                nonCoherent = true;
            }
            if (file instanceof VfioGroupFile group) {
                for (var member : group.group().devices()) {
                    if (member.facts() != null && !member.facts().enforceCacheCoherency()) {
                        nonCoherent = true;
                    }
                }
            }
        }
        kvm.setNonCoherentDma(nonCoherent);
    }
}
