package io.vfleet.engine.vfio;

import io.vfleet.engine.Errno;
import io.vfleet.engine.FaultInjection;
import io.vfleet.engine.IovaRange;
import io.vfleet.engine.KernelException;
import io.vfleet.engine.iommufd.PinAccount;
import io.vfleet.engine.process.AddressSpace;
import io.vfleet.engine.process.Process;
import io.vfleet.engine.topology.ReservedRegion;
import io.vfleet.engine.uapi.Ioctl.VfioCheckExtension;
import io.vfleet.engine.uapi.Ioctl.VfioIommuMapDma;
import io.vfleet.engine.uapi.Ioctl.VfioIommuUnmapDma;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The legacy VFIO container ({@code struct vfio_container}, container.c) with the type1 IOMMU
 * backend (vfio_iommu_type1.c) or the noiommu one: the groups attached to it, the selected
 * backend, and the DMA mappings made through it.
 *
 * <p>A real group in a container has its whole IOMMU group claimed (group-level DMA ownership,
 * owner = the vfio group). Containers hold either real groups or noiommu groups, never both.
 * Mappings pin at once and are charged to the mapping process's {@code locked_vm}. Guarded by the
 * host lock.
 */
public final class VfioContainer {
    /** The type1 default for {@code dma_entry_limit}. */
    static final int DMA_ENTRY_LIMIT = 65535;
    private static final long PAGE_MASK = AddressSpace.PAGE_SIZE - 1;

    /** The backend chosen by VFIO_SET_IOMMU. */
    public enum Backend { TYPE1, TYPE1V2, NOIOMMU }

    /** One type1 mapping: {@code [iova, iova + size)} of the caller's memory at {@code vaddr}. */
    public record DmaMapping(long iova, long size, long vaddr, int flags, PinAccount account) {
        long end() {
            return iova + size;
        }
    }

    private final boolean noiommuAvailable;
    private final List<VfioGroup> groups = new ArrayList<>();
    private final TreeMap<Long, DmaMapping> mappings = new TreeMap<>();
    private Backend backend;

    public VfioContainer(boolean noiommuAvailable) {
        this.noiommuAvailable = noiommuAvailable;
    }

    public List<VfioGroup> groups() {
        return List.copyOf(groups);
    }

    public Backend backend() {
        return backend;
    }

    public List<DmaMapping> mappings() {
        return List.copyOf(mappings.values());
    }

    /** vfio_container_attach_group (KERNEL.md §5.3, legacy container). */
    void attachGroup(VfioGroup group) {
        // The kernel re-checks CAP_SYS_RAWIO for a noiommu group here, at SET_IOMMU and at
        // GET_DEVICE_FD, because a process can drop capabilities after opening the group. Here
        // capabilities are fixed at spawn, so the check at group open is the one that decides.
        boolean noiommu = group.type() == VfioGroup.Type.NO_IOMMU;
        if (!groups.isEmpty() && (groups.getFirst().type() == VfioGroup.Type.NO_IOMMU) != noiommu) {
            throw Errno.EPERM.exception("a container holds either noiommu groups or real groups, not both");
        }
        if (group.iommuGroup() != null) {
            group.iommuGroup().claimGroupOwnership(group);
        }
        if (backend == Backend.TYPE1 || backend == Backend.TYPE1V2) {
            try {
                checkReservedRegionsFree(group);
            } catch (KernelException e) {
                group.iommuGroup().releaseGroupOwnership(group);
                throw e;
            }
        }
        groups.add(group);
    }

    /** vfio_group_detach_container: the last group out also drops the backend and its mappings. */
    void detachGroup(VfioGroup group) {
        groups.remove(group);
        if (group.iommuGroup() != null) {
            group.iommuGroup().releaseGroupOwnership(group);
        }
        if (groups.isEmpty()) {
            for (DmaMapping mapping : mappings.values()) {
                mapping.account().uncharge(mapping.size() / AddressSpace.PAGE_SIZE);
            }
            mappings.clear();
            backend = null;
        }
    }

    /** vfio_group_use_container: a device may open only once a backend is set. */
    void checkUsable(VfioGroup group) {
        if (backend == null) {
            throw Errno.EINVAL.exception("container of group " + group.nodeName() + " has no IOMMU backend (VFIO_SET_IOMMU)");
        }
    }

    /**
     * VFIO_CHECK_EXTENSION on the legacy container: with a backend set only it answers; before that
     * every backend the container's groups allow is asked (type1 for real and emulated groups, noiommu
     * for noiommu groups, both while empty) and the first positive answer wins.
     */
    int checkExtension(int extension) {
        if (backend != null) {
            return backend == Backend.NOIOMMU ? noiommuAnswer(extension) : typeOneAnswer(extension, true);
        }
        boolean noiommuGroups = !groups.isEmpty() && groups.getFirst().type() == VfioGroup.Type.NO_IOMMU;
        int answer = groups.isEmpty() || !noiommuGroups ? typeOneAnswer(extension, false) : 0;
        if (answer <= 0 && (groups.isEmpty() || noiommuGroups)) {
            answer = noiommuAnswer(extension);
        }
        return answer;
    }

    /** vfio_iommu_type1_check_extension; without an opened backend DMA_CC is unknown (0). */
    private int typeOneAnswer(int extension, boolean opened) {
        return switch (extension) {
            case VfioCheckExtension.TYPE1_IOMMU, VfioCheckExtension.TYPE1V2_IOMMU, VfioCheckExtension.UNMAP_ALL -> 1;
            case VfioCheckExtension.DMA_CC_IOMMU -> opened && allDomainsCoherent() ? 1 : 0;
            default -> 0;
        };
    }

    private int noiommuAnswer(int extension) {
        return extension == VfioCheckExtension.NOIOMMU_IOMMU && noiommuAvailable ? 1 : 0;
    }

    /** Every IOMMU domain of the container enforces cache coherency, so every device's IOMMU can. */
    private boolean allDomainsCoherent() {
        for (VfioGroup group : groups) {
            for (VfioDevice device : group.devices()) {
                if (device.facts() != null && !device.facts().enforceCacheCoherency()) {
                    return false;
                }
            }
        }
        return true;
    }

    /** VFIO_SET_IOMMU. */
    void setIommu(int type) {
        if (groups.isEmpty() || backend != null) {
            throw Errno.EINVAL.exception(groups.isEmpty() ? "no group in the container yet" : "IOMMU backend already set");
        }
        boolean noiommuGroups = groups.getFirst().type() == VfioGroup.Type.NO_IOMMU;
        Backend chosen = switch (type) {
            case VfioCheckExtension.TYPE1_IOMMU -> noiommuGroups ? null : Backend.TYPE1;
            case VfioCheckExtension.TYPE1V2_IOMMU -> noiommuGroups ? null : Backend.TYPE1V2;
            case VfioCheckExtension.NOIOMMU_IOMMU -> noiommuGroups && noiommuAvailable ? Backend.NOIOMMU : null;
            default -> null;
        };
        if (chosen == null) {
            throw Errno.ENODEV.exception("no IOMMU backend of type " + type + " supports the container's groups");
        }
        backend = chosen;
    }

    /** VFIO_IOMMU_MAP_DMA through type1. */
    void mapDma(VfioIommuMapDma request, Process caller) {
        requireType1(request);
        if (request.argsz() < VfioIommuMapDma.SIZE
                || (request.flags() & ~(VfioIommuMapDma.FLAG_READ | VfioIommuMapDma.FLAG_WRITE)) != 0) {
            throw Errno.EINVAL.exception("MAP_DMA argsz " + request.argsz() + " or flags 0x" + Integer.toHexString(request.flags()));
        }
        long iova = request.iova();
        long size = request.size();
        long vaddr = request.vaddr();
        if (request.flags() == 0 || size == 0 || ((size | iova | vaddr) & PAGE_MASK) != 0) {
            throw Errno.EINVAL.exception("MAP_DMA needs READ or WRITE and a non-zero, page-aligned iova, vaddr and size");
        }
        if (Long.compareUnsigned(iova + size - 1, iova) < 0 || Long.compareUnsigned(vaddr + size - 1, vaddr) < 0) {
            throw Errno.EINVAL.exception("MAP_DMA range overflows");
        }
        IovaRange range = IovaRange.ofLength(iova, size);
        Map.Entry<Long, DmaMapping> before = mappings.floorEntry(iova + size - 1);
        if (before != null && Long.compareUnsigned(before.getValue().end() - 1, iova) >= 0) {
            throw Errno.EEXIST.exception("MAP_DMA " + range + " overlaps an existing mapping");
        }
        if (mappings.size() >= DMA_ENTRY_LIMIT) {
            throw Errno.ENOSPC.exception("container already has " + DMA_ENTRY_LIMIT + " mappings");
        }
        if (!usable(range)) {
            throw Errno.EINVAL.exception("MAP_DMA " + range + " is outside the usable IOVA ranges of the container");
        }
        // type1 pins with pin_user_pages: memory that is missing, or read-only for a writable map, faults
        caller.memory().checkPinnable(vaddr, size, false);
        if ((request.flags() & VfioIommuMapDma.FLAG_WRITE) != 0 && !caller.memory().isWritable(vaddr, size)) {
            throw Errno.EFAULT.exception("MAP_DMA with WRITE of read-only memory at 0x" + Long.toHexString(vaddr));
        }
        PinAccount account = caller.pinAccount(true);
        FaultInjection.point("type1 DMA mapping");
        account.charge(size / AddressSpace.PAGE_SIZE);
        mappings.put(iova, new DmaMapping(iova, size, vaddr, request.flags(), account));
    }

    /** VFIO_IOMMU_UNMAP_DMA through type1; returns the bytes unmapped. */
    long unmapDma(VfioIommuUnmapDma request) {
        requireType1(request);
        int known = VfioIommuUnmapDma.FLAG_GET_DIRTY_BITMAP | VfioIommuUnmapDma.FLAG_ALL | VfioIommuUnmapDma.FLAG_VADDR;
        if (request.argsz() < VfioIommuUnmapDma.SIZE || (request.flags() & ~known) != 0) {
            throw Errno.EINVAL.exception("UNMAP_DMA argsz " + request.argsz() + " or flags 0x" + Integer.toHexString(request.flags()));
        }
        boolean all = (request.flags() & VfioIommuUnmapDma.FLAG_ALL) != 0;
        if (all && (request.iova() != 0 || request.size() != 0)) {
            throw Errno.EINVAL.exception("UNMAP_DMA with FLAG_ALL needs iova and size 0");
        }
        if (all) {
            return unmapRange(0, -1L);
        }
        long iova = request.iova();
        long size = request.size();
        if (((iova | size) & PAGE_MASK) != 0 || size == 0 || Long.compareUnsigned(iova + size - 1, iova) < 0) {
            throw Errno.EINVAL.exception("UNMAP_DMA range must be non-empty, page-aligned and not overflow");
        }
        long last = iova + size - 1;
        if (backend == Backend.TYPE1V2) {
            Map.Entry<Long, DmaMapping> first = mappings.floorEntry(iova);
            if (first != null && first.getKey() != iova && Long.compareUnsigned(first.getValue().end() - 1, iova) >= 0) {
                throw Errno.EINVAL.exception("TYPE1v2 does not split the mapping at 0x" + Long.toHexString(first.getKey()));
            }
            Map.Entry<Long, DmaMapping> end = mappings.floorEntry(last);
            if (end != null && Long.compareUnsigned(end.getValue().end() - 1, last) > 0) {
                throw Errno.EINVAL.exception("TYPE1v2 does not split the mapping at 0x" + Long.toHexString(end.getKey()));
            }
        }
        return unmapRange(iova, last);
    }

    /**
     * Removes whole mappings intersecting {@code [iova, last]}. TYPE1 (v1) forgot how mappings were
     * made, so it stops at a mapping that starts before {@code iova} (success, nothing more removed)
     * and removes a mapping that sticks out past {@code last} entirely.
     */
    private long unmapRange(long iova, long last) {
        long unmapped = 0;
        List<DmaMapping> doomed = new ArrayList<>();
        for (DmaMapping mapping : mappings.values()) {
            if (Long.compareUnsigned(mapping.iova(), last) <= 0 && Long.compareUnsigned(mapping.end() - 1, iova) >= 0) {
                if (backend == Backend.TYPE1 && Long.compareUnsigned(mapping.iova(), iova) < 0) {
                    break;
                }
                doomed.add(mapping);
            }
        }
        for (DmaMapping mapping : doomed) {
            mappings.remove(mapping.iova());
            mapping.account().uncharge(mapping.size() / AddressSpace.PAGE_SIZE);
            unmapped += mapping.size();
        }
        return unmapped;
    }

    private void requireType1(Object request) {
        if (backend == null) {
            throw Errno.EINVAL.exception("container has no IOMMU backend (VFIO_SET_IOMMU)");
        }
        if (backend == Backend.NOIOMMU) {
            throw Errno.ENOTTY.exception("the noiommu backend has no " + request.getClass().getSimpleName());
        }
    }

    /** Inside every attached device's aperture and outside their reserved regions. */
    private boolean usable(IovaRange range) {
        for (VfioGroup group : groups) {
            for (VfioDevice device : group.devices()) {
                if (device.facts() == null) {
                    continue;
                }
                if (!device.facts().aperture().contains(range)) {
                    return false;
                }
                for (ReservedRegion region : device.facts().reservedRegions()) {
                    if (region.type() != ReservedRegion.Type.DIRECT_RELAXABLE && region.range().intersects(range)) {
                        return false;
                    }
                }
            }
        }
        return true;
    }

    private void checkReservedRegionsFree(VfioGroup group) {
        for (VfioDevice device : group.devices()) {
            if (device.facts() == null) {
                continue;
            }
            for (ReservedRegion region : device.facts().reservedRegions()) {
                for (DmaMapping mapping : mappings.values()) {
                    if (region.type() != ReservedRegion.Type.DIRECT_RELAXABLE
                            && region.range().intersects(IovaRange.ofLength(mapping.iova(), mapping.size()))) {
                        throw Errno.EINVAL.exception("group " + group.nodeName() + " reserves " + region.range()
                                + ", which the container already maps");
                    }
                }
            }
        }
    }
}
