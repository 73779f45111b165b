package io.vfleet.engine.topology;

import java.util.regex.Pattern;

/**
 * An emulated (mdev-like) vfio device a host offers: a {@code vfio_device} registered by a software
 * driver such as {@code samples/vfio-mdev/mtty.c}, {@code drivers/s390/crypto/vfio_ap_ops.c} or
 * i915's GVT-g, which reaches memory through an {@code iommufd_access} rather than an IOMMU (KERNEL.md §9).
 *
 * @param name        unique on the host, like an mdev's name ({@code mtty-0})
 * @param type        the driver that emulates it ({@code mtty}, {@code vfio-ap}, {@code gvt})
 * @param parent      the physical function it is carved from (a GVT-g parent GPU), or null for a
 *                    purely virtual parent (mtty, the vfio-ap matrix)
 * @param requiresKvm open fails with EINVAL unless a KVM-VFIO device holds the file (vfio-ap, GVT-g)
 */
public record EmulatedDeviceSpec(String name, String type, Bdf parent, boolean requiresKvm) {
    private static final Pattern WORD = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:-]*");

    public EmulatedDeviceSpec {
        if (name == null || !WORD.matcher(name).matches()) {
            throw new TopologyException("name", "'" + name + "' is not a device name (letters, digits, '.', '_', ':', '-')");
        }
        if (type == null || !WORD.matcher(type).matches()) {
            throw new TopologyException("type", "'" + type + "' is not a driver name (letters, digits, '.', '_', ':', '-')");
        }
    }
}
