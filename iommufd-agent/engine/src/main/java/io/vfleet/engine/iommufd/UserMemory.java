package io.vfleet.engine.iommufd;

import io.vfleet.engine.Errno;

/**
 * The mapper's address space as pinning sees it: what {@code pin_user_pages} in
 * drivers/iommu/iommufd/pages.c would find behind a user VA range.
 */
public interface UserMemory {
    /** Every address is mapped read-write: memory that never refuses a pin. */
    UserMemory READ_WRITE_EVERYWHERE = new UserMemory() {
        @Override
        public void checkPinnable(long userVa, long length, boolean write) {
        }

        @Override
        public boolean isWritable(long userVa, long length) {
            return true;
        }
    };

    /**
     * Succeeds when the whole range could be pinned now; throws {@link Errno#EFAULT} when part of it
     * is not mapped and {@link Errno#EPERM} when {@code write} is asked of read-only memory.
     */
    void checkPinnable(long userVa, long length, boolean write);

    /**
     * False when some mapped part of the range is read-only. Unmapped parts are not judged here:
     * they fail later, with EFAULT, when the range is pinned.
     */
    boolean isWritable(long userVa, long length);
}
