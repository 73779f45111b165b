package io.vfleet.agent.vmm;

import java.util.List;

/**
 * What Prepare left on the host: the process holding the files, its iommufd and IOAS, the VM fd (or
 * -1), per device its file, devid and HWPT, and the credential that reaches that process's system
 * calls and no other's ({@link SyscallScope}). The table keeps the credential, so that a repeated
 * Prepare answers the same one and a restart does not cut the VMM off.
 */
public record Prepared(int pid, int iommufd, int ioasId, int vmFd, int kvmDeviceFd, List<Device> devices,
        String syscallsCredential) {
    public Prepared {
        devices = List.copyOf(devices);
    }

    /**
     * One prepared device: {@code fd} is its bound cdev file in the process {@code pid}.
     *
     * @param hwptId        the HWPT it is attached to; 0 for a noiommu device, which attaches to nothing
     * @param functionReset whether VFIO_DEVICE_GET_INFO reports a function reset (FLAGS_RESET): without
     *                      one, the device is scrubbed only with its whole reset set
     * @param noiommu       vfio's unsafe noiommu mode: its DMA is not translated, nothing isolates it
     */
    public record Device(String bdf, String cdevPath, int fd, int devid, int hwptId, boolean functionReset, boolean noiommu) {
    }

    /** The distinct HWPTs the devices are attached to, ascending. */
    public List<Integer> hwptIds() {
        return devices.stream().map(Device::hwptId).filter(hwpt -> hwpt != 0).distinct().sorted().toList();
    }

    public Device device(String bdf) {
        return devices.stream().filter(device -> device.bdf().equals(bdf)).findFirst().orElse(null);
    }
}
