package io.vfleet.engine.iommufd;

import io.vfleet.engine.IovaRange;

/**
 * A kernel user of an IOAS that reads memory without DMA: the page table's view of
 * {@code struct iommufd_access} (drivers/iommu/iommufd/device.c) and its driver's {@code unmap} op.
 *
 * <p>Every access pins with PAGE_SIZE alignment, so attaching one raises the table's IOVA alignment
 * to PAGE_SIZE. An access must drop its pins in {@code range} when told; the unmap that told it
 * retries and gives up with EDEADLK when the pins stay.
 */
public interface IoptAccess {
    /** The IOVA range is being unmapped: unpin everything pinned inside it. */
    void unmapNotify(IovaRange range);
}
