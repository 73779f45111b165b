package io.vfleet.inventory.domain;

/**
 * An inclusive range of I/O virtual addresses, {@code start} to {@code last}, read as unsigned 64-bit
 * numbers: the IOMMU aperture ({@code iommu_domain_geometry}) or a reserved region. {@code last} is
 * inclusive so that a window may end at the top of the address space.
 */
public record IovaWindow(long start, long last) {

    public boolean ordered() {
        return Long.compareUnsigned(start, last) <= 0;
    }

    @Override
    public String toString() {
        return "0x" + Long.toHexString(start) + "-0x" + Long.toHexString(last);
    }
}
