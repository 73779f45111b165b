package io.vfleet.engine.process;

/** The POSIX capabilities the vfio and iommufd code paths test ({@code capable()} calls). */
public enum Capability {
    /** noiommu groups and devices: raw access to a device that can DMA anywhere. */
    CAP_SYS_RAWIO,
    /** pinning without being charged against RLIMIT_MEMLOCK. */
    CAP_IPC_LOCK,
    /** IOMMU_OPTION RLIMIT_MODE. */
    CAP_SYS_RESOURCE
}
