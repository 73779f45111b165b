package io.vfleet.engine.topology;

import io.vfleet.engine.IovaRange;
import java.util.Objects;

/**
 * An IOVA range the IOMMU driver reserves for a device ({@code struct iommu_resv_region},
 * {@code include/linux/iommu.h}), as listed in {@code /sys/kernel/iommu_groups/N/reserved_regions}.
 * iommufd keeps every IOAS mapping out of these ranges for attached devices.
 */
public record ReservedRegion(IovaRange range, Type type) {

    /** {@code enum iommu_resv_type}, with the names sysfs prints. */
    public enum Type {
        /** Identity-mapped memory the device keeps using (RMRR): never remappable. */
        DIRECT("direct"),
        /** Identity-mapped, but the kernel lets it go when a device is assigned (USB, graphics RMRRs). */
        DIRECT_RELAXABLE("direct-relaxable"),
        /** Simply not translatable, such as the IOAPIC range. */
        RESERVED("reserved"),
        /** Hardware MSI doorbell (the x86 interrupt remapping window). */
        MSI("msi"),
        /** Software-managed MSI window (ARM SMMU), which iommufd maps itself. */
        SW_MSI("msi-sw");

        private final String sysfsName;

        Type(String sysfsName) {
            this.sysfsName = sysfsName;
        }

        public String sysfsName() {
            return sysfsName;
        }

        public static Type ofSysfsName(String name) {
            for (Type type : values()) {
                if (type.sysfsName.equals(name)) {
                    return type;
                }
            }
            throw new TopologyException("type", "unknown reserved region type '" + name
                    + "' (expected direct, direct-relaxable, reserved, msi or msi-sw)");
        }
    }

    /** The x86 interrupt window {@code 0xfee00000-0xfeefffff} every Intel VT-d and AMD-Vi device has. */
    public static final ReservedRegion X86_MSI = new ReservedRegion(new IovaRange(0xfee00000L, 0xfeefffffL), Type.MSI);

    public ReservedRegion {
        Objects.requireNonNull(range, "range");
        Objects.requireNonNull(type, "type");
    }
}
