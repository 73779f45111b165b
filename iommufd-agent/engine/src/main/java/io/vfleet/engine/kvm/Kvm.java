package io.vfleet.engine.kvm;

/**
 * A virtual machine ({@code struct kvm}) as far as vfio cares: something a device can hold a
 * reference to, and which has at most one KVM-VFIO device. The VM lives while its fd, its
 * KVM-VFIO device or an opened vfio device holds it. Guarded by the host lock.
 */
public final class Kvm {
    private final int id;
    private int references = 1;
    private KvmVfioDevice vfioDevice;
    private boolean nonCoherentDma;

    public Kvm(int id) {
        this.id = id;
    }

    public int id() {
        return id;
    }

    /** kvm_get_kvm. */
    public void get() {
        if (references <= 0) {
            throw new AssertionError("get() on destroyed VM " + id);
        }
        references++;
    }

    /** kvm_put_kvm. */
    public void put() {
        if (references <= 0) {
            throw new AssertionError("put() on destroyed VM " + id);
        }
        references--;
    }

    public int references() {
        return references;
    }

    public KvmVfioDevice vfioDevice() {
        return vfioDevice;
    }

    void setVfioDevice(KvmVfioDevice device) {
        this.vfioDevice = device;
    }

    /** Whether a device in the VM does DMA its IOMMU cannot keep cache-coherent. */
    public boolean nonCoherentDma() {
        return nonCoherentDma;
    }

    void setNonCoherentDma(boolean nonCoherentDma) {
        this.nonCoherentDma = nonCoherentDma;
    }
}
