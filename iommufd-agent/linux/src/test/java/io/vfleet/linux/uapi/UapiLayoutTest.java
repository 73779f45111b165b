package io.vfleet.linux.uapi;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.Arena;
import java.lang.foreign.StructLayout;
import org.junit.jupiter.api.Test;

/**
 * The struct layouts and ioctl numbers against what {@code include/uapi/linux/{iommufd,vfio,kvm}.h} of
 * Linux 6.12 say: each struct's size, the offset of each field the kernel reads or writes, and the
 * request numbers as the headers' {@code _IO}/{@code _IOW}/{@code _IOWR} build them.
 */
class UapiLayoutTest {

    @Test
    void iommufdStructsHaveTheHeadersSizesAndOffsets() {
        assertLayout(IommufdUapi.IOMMU_DESTROY_STRUCT, 8, "id", 4);
        assertLayout(IommufdUapi.IOMMU_IOAS_ALLOC_STRUCT, 12, "out_ioas_id", 8);
        assertLayout(IommufdUapi.IOMMU_IOVA_RANGE, 16, "last", 8);
        assertLayout(IommufdUapi.IOMMU_IOAS_ALLOW_IOVAS_STRUCT, 24, "allowed_iovas", 16);
        assertLayout(IommufdUapi.IOMMU_IOAS_IOVA_RANGES_STRUCT, 32, "out_iova_alignment", 24);
        assertLayout(IommufdUapi.IOMMU_IOAS_MAP_STRUCT, 40, "user_va", 16);
        assertLayout(IommufdUapi.IOMMU_IOAS_MAP_STRUCT, 40, "iova", 32);
        assertLayout(IommufdUapi.IOMMU_IOAS_COPY_STRUCT, 40, "src_iova", 32);
        assertLayout(IommufdUapi.IOMMU_IOAS_UNMAP_STRUCT, 24, "iova", 8);
        assertLayout(IommufdUapi.IOMMU_OPTION_STRUCT, 24, "op", 8);
        assertLayout(IommufdUapi.IOMMU_OPTION_STRUCT, 24, "__reserved", 10);
        assertLayout(IommufdUapi.IOMMU_OPTION_STRUCT, 24, "object_id", 12);
        assertLayout(IommufdUapi.IOMMU_OPTION_STRUCT, 24, "val64", 16);
        assertLayout(IommufdUapi.IOMMU_VFIO_IOAS_STRUCT, 12, "op", 8);
        assertLayout(IommufdUapi.IOMMU_HWPT_ALLOC_STRUCT, 48, "out_hwpt_id", 16);
        assertLayout(IommufdUapi.IOMMU_HWPT_ALLOC_STRUCT, 48, "data_uptr", 32);
        assertLayout(IommufdUapi.IOMMU_HWPT_ALLOC_STRUCT, 48, "fault_id", 40);
    }

    @Test
    void vfioStructsHaveTheHeadersSizesAndOffsets() {
        assertLayout(VfioUapi.VFIO_GROUP_STATUS, 8, "flags", 4);
        assertLayout(VfioUapi.VFIO_DEVICE_INFO, 24, "num_irqs", 12);
        assertLayout(VfioUapi.VFIO_PCI_DEPENDENT_DEVICE, 8, "segment", 4);
        assertLayout(VfioUapi.VFIO_PCI_DEPENDENT_DEVICE, 8, "bus", 6);
        assertLayout(VfioUapi.VFIO_PCI_DEPENDENT_DEVICE, 8, "devfn", 7);
        assertLayout(VfioUapi.VFIO_PCI_HOT_RESET_INFO, 12, "count", 8);
        assertLayout(VfioUapi.VFIO_PCI_HOT_RESET, 12, "count", 8);
        assertLayout(VfioUapi.VFIO_IOMMU_TYPE1_DMA_MAP, 32, "vaddr", 8);
        assertLayout(VfioUapi.VFIO_IOMMU_TYPE1_DMA_UNMAP, 24, "size", 16);
        assertLayout(VfioUapi.VFIO_DEVICE_BIND_IOMMUFD_STRUCT, 16, "out_devid", 12);
        assertLayout(VfioUapi.VFIO_DEVICE_ATTACH_IOMMUFD_PT_STRUCT, 12, "pt_id", 8);
        assertLayout(VfioUapi.VFIO_DEVICE_DETACH_IOMMUFD_PT_STRUCT, 8, "flags", 4);
    }

    @Test
    void kvmStructsHaveTheHeadersSizesAndOffsets() {
        assertLayout(KvmUapi.KVM_CREATE_DEVICE_STRUCT, 12, "fd", 4);
        assertLayout(KvmUapi.KVM_DEVICE_ATTR, 24, "attr", 8);
        assertLayout(KvmUapi.KVM_DEVICE_ATTR, 24, "addr", 16);
    }

    @Test
    void requestNumbersAreTheHeadersOnes() {
        assertThat(IommufdUapi.IOMMU_DESTROY).isEqualTo(0x3b80);
        assertThat(IommufdUapi.IOMMU_IOAS_MAP).isEqualTo(0x3b85);
        assertThat(IommufdUapi.IOMMU_HWPT_ALLOC).isEqualTo(0x3b89);
        assertThat(VfioUapi.VFIO_GET_API_VERSION).isEqualTo(0x3b64);
        assertThat(VfioUapi.VFIO_GROUP_GET_DEVICE_FD).isEqualTo(0x3b6a);
        assertThat(VfioUapi.VFIO_DEVICE_RESET).isEqualTo(0x3b6f);
        assertThat(VfioUapi.VFIO_DEVICE_GET_PCI_HOT_RESET_INFO).isEqualTo(0x3b70);
        assertThat(VfioUapi.VFIO_IOMMU_UNMAP_DMA).isEqualTo(0x3b72);
        assertThat(VfioUapi.VFIO_DEVICE_BIND_IOMMUFD).isEqualTo(0x3b76);
        assertThat(VfioUapi.VFIO_DEVICE_DETACH_IOMMUFD_PT).isEqualTo(0x3b78);
        assertThat(KvmUapi.KVM_CREATE_VM).isEqualTo(0xae01);
        assertThat(KvmUapi.KVM_CREATE_DEVICE).isEqualTo(0xc00caee0L);
        assertThat(KvmUapi.KVM_SET_DEVICE_ATTR).isEqualTo(0x4018aee1L);
    }

    @Test
    void fieldsKeepTheLowBitsOfTheirWidthAndReadBackUnsigned() {
        try (Arena arena = Arena.ofConfined()) {
            Struct option = new Struct(IommufdUapi.IOMMU_OPTION_STRUCT, arena.allocate(IommufdUapi.IOMMU_OPTION_STRUCT));
            option.put("op", 0x1_0001).put("object_id", -1).put("val64", -1L);
            assertThat(option.unsigned("op")).isEqualTo(1);
            assertThat(option.unsigned("__reserved")).isZero();
            assertThat(option.unsigned("object_id")).isEqualTo(0xffff_ffffL);
            assertThat(option.int32("object_id")).isEqualTo(-1);
            assertThat(option.unsigned("val64")).isEqualTo(-1L);
        }
    }

    private static void assertLayout(StructLayout layout, long size, String field, long offset) {
        assertThat(layout.byteSize()).as("sizeof(struct %s)", layout.name().orElseThrow()).isEqualTo(size);
        assertThat(layout.byteOffset(groupElement(field))).as("offsetof(struct %s, %s)", layout.name().orElseThrow(), field)
                .isEqualTo(offset);
    }
}
