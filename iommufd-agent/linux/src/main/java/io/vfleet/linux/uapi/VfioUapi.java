package io.vfleet.linux.uapi;

import static java.lang.foreign.MemoryLayout.structLayout;

import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;

/**
 * The vfio uapi, {@code include/uapi/linux/vfio.h}: every ioctl is {@code _IO(';', VFIO_BASE + n)} with
 * {@code VFIO_BASE} 100, structs start with {@code argsz} and {@code flags}. The cdev ioctls are numbered
 * as Linux 6.6 merged them (BIND at VFIO_BASE + 18); the v11 series numbered them one higher, but no
 * kernel shipped it.
 */
public final class VfioUapi {
    static final int VFIO_TYPE = ';';
    static final int VFIO_BASE = 100;

    public static final long VFIO_GET_API_VERSION = Ioc.none(VFIO_TYPE, VFIO_BASE);
    public static final long VFIO_CHECK_EXTENSION = Ioc.none(VFIO_TYPE, VFIO_BASE + 1);
    public static final long VFIO_SET_IOMMU = Ioc.none(VFIO_TYPE, VFIO_BASE + 2);
    public static final long VFIO_GROUP_GET_STATUS = Ioc.none(VFIO_TYPE, VFIO_BASE + 3);
    public static final long VFIO_GROUP_SET_CONTAINER = Ioc.none(VFIO_TYPE, VFIO_BASE + 4);
    public static final long VFIO_GROUP_UNSET_CONTAINER = Ioc.none(VFIO_TYPE, VFIO_BASE + 5);
    public static final long VFIO_GROUP_GET_DEVICE_FD = Ioc.none(VFIO_TYPE, VFIO_BASE + 6);
    public static final long VFIO_DEVICE_GET_INFO = Ioc.none(VFIO_TYPE, VFIO_BASE + 7);
    public static final long VFIO_DEVICE_RESET = Ioc.none(VFIO_TYPE, VFIO_BASE + 11);
    public static final long VFIO_DEVICE_GET_PCI_HOT_RESET_INFO = Ioc.none(VFIO_TYPE, VFIO_BASE + 12);
    public static final long VFIO_DEVICE_PCI_HOT_RESET = Ioc.none(VFIO_TYPE, VFIO_BASE + 13);
    public static final long VFIO_IOMMU_MAP_DMA = Ioc.none(VFIO_TYPE, VFIO_BASE + 13);
    public static final long VFIO_IOMMU_UNMAP_DMA = Ioc.none(VFIO_TYPE, VFIO_BASE + 14);
    public static final long VFIO_DEVICE_BIND_IOMMUFD = Ioc.none(VFIO_TYPE, VFIO_BASE + 18);
    public static final long VFIO_DEVICE_ATTACH_IOMMUFD_PT = Ioc.none(VFIO_TYPE, VFIO_BASE + 19);
    public static final long VFIO_DEVICE_DETACH_IOMMUFD_PT = Ioc.none(VFIO_TYPE, VFIO_BASE + 20);

    private static final ValueLayout U8 = ValueLayout.JAVA_BYTE;
    private static final ValueLayout U16 = ValueLayout.JAVA_SHORT;
    private static final ValueLayout U32 = ValueLayout.JAVA_INT;
    private static final ValueLayout U64 = ValueLayout.JAVA_LONG;

    public static final StructLayout VFIO_GROUP_STATUS = structLayout(
            U32.withName("argsz"), U32.withName("flags")).withName("vfio_group_status");

    public static final StructLayout VFIO_DEVICE_INFO = structLayout(
            U32.withName("argsz"), U32.withName("flags"), U32.withName("num_regions"), U32.withName("num_irqs"),
            U32.withName("cap_offset"), U32.withName("pad")).withName("vfio_device_info");

    public static final StructLayout VFIO_PCI_DEPENDENT_DEVICE = structLayout(
            U32.withName("group_id"), U16.withName("segment"), U8.withName("bus"), U8.withName("devfn"))
            .withName("vfio_pci_dependent_device");

    /** Followed by {@code count} {@link #VFIO_PCI_DEPENDENT_DEVICE} entries. */
    public static final StructLayout VFIO_PCI_HOT_RESET_INFO = structLayout(
            U32.withName("argsz"), U32.withName("flags"), U32.withName("count")).withName("vfio_pci_hot_reset_info");

    /** Followed by {@code count} s32 group fds. */
    public static final StructLayout VFIO_PCI_HOT_RESET = structLayout(
            U32.withName("argsz"), U32.withName("flags"), U32.withName("count")).withName("vfio_pci_hot_reset");

    public static final StructLayout VFIO_IOMMU_TYPE1_DMA_MAP = structLayout(
            U32.withName("argsz"), U32.withName("flags"), U64.withName("vaddr"), U64.withName("iova"),
            U64.withName("size")).withName("vfio_iommu_type1_dma_map");

    public static final StructLayout VFIO_IOMMU_TYPE1_DMA_UNMAP = structLayout(
            U32.withName("argsz"), U32.withName("flags"), U64.withName("iova"), U64.withName("size"))
            .withName("vfio_iommu_type1_dma_unmap");

    public static final StructLayout VFIO_DEVICE_BIND_IOMMUFD_STRUCT = structLayout(
            U32.withName("argsz"), U32.withName("flags"), U32.withName("iommufd"), U32.withName("out_devid"))
            .withName("vfio_device_bind_iommufd");

    public static final StructLayout VFIO_DEVICE_ATTACH_IOMMUFD_PT_STRUCT = structLayout(
            U32.withName("argsz"), U32.withName("flags"), U32.withName("pt_id"))
            .withName("vfio_device_attach_iommufd_pt");

    public static final StructLayout VFIO_DEVICE_DETACH_IOMMUFD_PT_STRUCT = structLayout(
            U32.withName("argsz"), U32.withName("flags")).withName("vfio_device_detach_iommufd_pt");

    private VfioUapi() {
    }
}
