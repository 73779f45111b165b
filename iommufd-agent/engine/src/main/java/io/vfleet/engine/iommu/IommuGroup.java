package io.vfleet.engine.iommu;

import io.vfleet.engine.Errno;
import java.util.Objects;

/**
 * An IOMMU group's DMA ownership ({@code struct iommu_group}'s {@code owner} and
 * {@code owner_cnt}, drivers/iommu/iommu.c): the devices of one group can only be isolated
 * together, so DMA control of the group has one owner at a time.
 *
 * <p>Owners are identity tokens: an iommufd context for device-level claims (cdev BIND, the group
 * path with an iommufd), a vfio group for the legacy container's group-level claim. A member bound
 * to a host driver that uses the DMA API holds the group in the kernel's default domain
 * ({@code hostDmaUsers}); while it does, no one can claim it. Guarded by the host lock.
 */
// Owners are compared by identity, as the kernel compares its owner pointers.
@SuppressWarnings("ReferenceEquality")
public final class IommuGroup {
    private final int id;
    private final int hostDmaUsers;
    private Object owner;
    private int ownerCount;
    private boolean groupLevelClaim;

    public IommuGroup(int id, int hostDmaUsers) {
        this.id = id;
        this.hostDmaUsers = hostDmaUsers;
    }

    public int id() {
        return id;
    }

    /**
     * iommu_device_claim_dma_owner: one more device of the group is driven by {@code owner}.
     * EPERM when a host DMA driver uses a member, or another owner (or a group-level claim)
     * holds it.
     */
    public void claimDeviceOwnership(Object claimer) {
        Objects.requireNonNull(claimer);
        checkClaimable(claimer);
        owner = claimer;
        ownerCount++;
    }

    /** iommu_device_release_dma_owner. */
    public void releaseDeviceOwnership(Object claimer) {
        if (owner != claimer || ownerCount == 0 || groupLevelClaim) {
            throw new AssertionError("IOMMU group " + id + " released by a non-owner");
        }
        if (--ownerCount == 0) {
            owner = null;
        }
    }

    /** iommu_group_claim_dma_owner: the legacy container takes the whole group; EPERM if anyone holds it. */
    public void claimGroupOwnership(Object claimer) {
        Objects.requireNonNull(claimer);
        if (hostDmaUsers > 0) {
            throw Errno.EPERM.exception("IOMMU group " + id + " has a member driven by a host DMA driver");
        }
        if (ownerCount > 0) {
            // Only the vfio group of this IOMMU group claims it whole, and only through an open
            // group fd, which cannot be opened while a device of the group is bound elsewhere.
            throw new AssertionError("IOMMU group " + id + " claimed whole while owned");
        }
        owner = claimer;
        ownerCount = 1;
        groupLevelClaim = true;
    }

    /** iommu_group_release_dma_owner. */
    public void releaseGroupOwnership(Object claimer) {
        if (owner != claimer || !groupLevelClaim) {
            throw new AssertionError("IOMMU group " + id + " group-level release by a non-owner");
        }
        owner = null;
        ownerCount = 0;
        groupLevelClaim = false;
    }

    private void checkClaimable(Object claimer) {
        if (hostDmaUsers > 0) {
            throw Errno.EPERM.exception("IOMMU group " + id + " has a member driven by a host DMA driver");
        }
        if (ownerCount > 0 && owner != claimer) {
            throw Errno.EPERM.exception("IOMMU group " + id + " is owned by another iommufd context or container");
        }
    }

    /** Nobody but the kernel's default domain uses the group: VFIO_GROUP_GET_STATUS's VIABLE. */
    public boolean isViable() {
        return hostDmaUsers == 0 && ownerCount == 0;
    }

    public boolean isOwned() {
        return ownerCount > 0;
    }

    public Object owner() {
        return owner;
    }

    public int ownerCount() {
        return ownerCount;
    }

    public int hostDmaUsers() {
        return hostDmaUsers;
    }
}
