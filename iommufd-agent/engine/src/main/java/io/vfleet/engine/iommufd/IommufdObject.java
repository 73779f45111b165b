package io.vfleet.engine.iommufd;

/**
 * An object in an iommufd context's table ({@code struct iommufd_object}, main.c).
 *
 * <p>{@code users} counts the table's own reference plus one per dependent (an HWPT on its IOAS, a
 * device on its HWPT, the vfio driver on its device); IOMMU_DESTROY succeeds only when the table
 * holds the last one. Guarded by the host lock.
 */
public abstract sealed class IommufdObject permits Ioas, HwPagetable, IommufdDevice, IommufdAccess {
    /** The object types user space can see (enum iommufd_object_type). */
    public enum Type { IOAS, HWPT_PAGING, DEVICE, ACCESS }

    private int id;
    private int users = 1;

    public final int id() {
        return id;
    }

    final void assignId(int id) {
        this.id = id;
    }

    public abstract Type type();

    public final int users() {
        return users;
    }

    final void addUser() {
        users++;
    }

    final void removeUser() {
        if (users <= 1) {
            throw new AssertionError(type() + " " + id + " lost its last dependent twice");
        }
        users--;
    }

    /** Releases what this object holds; called once, after it left the table. */
    abstract void destroy();
}
