package io.vfleet.linux.uapi;

import static java.lang.foreign.MemoryLayout.structLayout;

import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;

/**
 * The iommufd uapi, {@code include/uapi/linux/iommufd.h}: every ioctl is {@code _IO(';', 0x80 + n)} on an
 * iommufd, and every struct starts with its {@code size}. Layouts are those of Linux 6.12, the newest
 * the lab runs; the engine's records carry the fields of the baseline, and a struct's later fields
 * stay zero (the kernel reads only {@code size} bytes and zero-fills the rest).
 */
public final class IommufdUapi {
    static final int IOMMUFD_TYPE = ';';

    public static final long IOMMU_DESTROY = Ioc.none(IOMMUFD_TYPE, 0x80);
    public static final long IOMMU_IOAS_ALLOC = Ioc.none(IOMMUFD_TYPE, 0x81);
    public static final long IOMMU_IOAS_ALLOW_IOVAS = Ioc.none(IOMMUFD_TYPE, 0x82);
    public static final long IOMMU_IOAS_COPY = Ioc.none(IOMMUFD_TYPE, 0x83);
    public static final long IOMMU_IOAS_IOVA_RANGES = Ioc.none(IOMMUFD_TYPE, 0x84);
    public static final long IOMMU_IOAS_MAP = Ioc.none(IOMMUFD_TYPE, 0x85);
    public static final long IOMMU_IOAS_UNMAP = Ioc.none(IOMMUFD_TYPE, 0x86);
    public static final long IOMMU_OPTION = Ioc.none(IOMMUFD_TYPE, 0x87);
    public static final long IOMMU_VFIO_IOAS = Ioc.none(IOMMUFD_TYPE, 0x88);
    public static final long IOMMU_HWPT_ALLOC = Ioc.none(IOMMUFD_TYPE, 0x89);

    private static final ValueLayout U16 = ValueLayout.JAVA_SHORT;
    private static final ValueLayout U32 = ValueLayout.JAVA_INT;
    private static final ValueLayout U64 = ValueLayout.JAVA_LONG;

    public static final StructLayout IOMMU_DESTROY_STRUCT = structLayout(
            U32.withName("size"), U32.withName("id")).withName("iommu_destroy");

    public static final StructLayout IOMMU_IOAS_ALLOC_STRUCT = structLayout(
            U32.withName("size"), U32.withName("flags"), U32.withName("out_ioas_id")).withName("iommu_ioas_alloc");

    public static final StructLayout IOMMU_IOVA_RANGE = structLayout(
            U64.withName("start"), U64.withName("last")).withName("iommu_iova_range");

    public static final StructLayout IOMMU_IOAS_IOVA_RANGES_STRUCT = structLayout(
            U32.withName("size"), U32.withName("ioas_id"), U32.withName("num_iovas"), U32.withName("__reserved"),
            U64.withName("allowed_iovas"), U64.withName("out_iova_alignment")).withName("iommu_ioas_iova_ranges");

    public static final StructLayout IOMMU_IOAS_ALLOW_IOVAS_STRUCT = structLayout(
            U32.withName("size"), U32.withName("ioas_id"), U32.withName("num_iovas"), U32.withName("__reserved"),
            U64.withName("allowed_iovas")).withName("iommu_ioas_allow_iovas");

    public static final StructLayout IOMMU_IOAS_COPY_STRUCT = structLayout(
            U32.withName("size"), U32.withName("flags"), U32.withName("dst_ioas_id"), U32.withName("src_ioas_id"),
            U64.withName("length"), U64.withName("dst_iova"), U64.withName("src_iova")).withName("iommu_ioas_copy");

    public static final StructLayout IOMMU_IOAS_MAP_STRUCT = structLayout(
            U32.withName("size"), U32.withName("flags"), U32.withName("ioas_id"), U32.withName("__reserved"),
            U64.withName("user_va"), U64.withName("length"), U64.withName("iova")).withName("iommu_ioas_map");

    public static final StructLayout IOMMU_IOAS_UNMAP_STRUCT = structLayout(
            U32.withName("size"), U32.withName("ioas_id"), U64.withName("iova"), U64.withName("length"))
            .withName("iommu_ioas_unmap");

    public static final StructLayout IOMMU_OPTION_STRUCT = structLayout(
            U32.withName("size"), U32.withName("option_id"), U16.withName("op"), U16.withName("__reserved"),
            U32.withName("object_id"), U64.withName("val64")).withName("iommu_option");

    public static final StructLayout IOMMU_VFIO_IOAS_STRUCT = structLayout(
            U32.withName("size"), U32.withName("ioas_id"), U16.withName("op"), U16.withName("__reserved"))
            .withName("iommu_vfio_ioas");

    public static final StructLayout IOMMU_HWPT_ALLOC_STRUCT = structLayout(
            U32.withName("size"), U32.withName("flags"), U32.withName("dev_id"), U32.withName("pt_id"),
            U32.withName("out_hwpt_id"), U32.withName("__reserved"), U32.withName("data_type"), U32.withName("data_len"),
            U64.withName("data_uptr"), U32.withName("fault_id"), U32.withName("__reserved2"))
            .withName("iommu_hwpt_alloc");

    private IommufdUapi() {
    }
}
