package io.vfleet.engine.iommufd;

/**
 * A hardware page table ({@code struct iommufd_hw_pagetable}, hw_pagetable.c). Only the paging
 * kind exists in the kernels vfleet models; nested HWPTs came later (6.7) and are refused like
 * any unknown HWPT_ALLOC flag.
 */
public abstract sealed class HwPagetable extends IommufdObject permits HwptPaging {
}
