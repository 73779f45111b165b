package io.vfleet.lab;

import io.vfleet.api.agent.v1.GetTopologyResponse;
import io.vfleet.api.agent.v1.PciFunction;
import io.vfleet.api.agent.v1.VfioDevice;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The lab's vfio devices by the part they play in scenarios, found in what the agent answers to
 * {@code GetTopology}, so that scenarios name roles, not addresses.
 *
 * @param single      alone in its IOMMU group, with a function reset
 * @param other       another one alone in its group, in another reset set
 * @param sharedGroup two vfio devices of one IOMMU group (behind the PCIe-to-PCI bridge)
 * @param noReset     a device without a function reset
 * @param slotMates   two functions of one slot, which a slot reset hits together
 */
record LabDevices(Device single, Device other, List<Device> sharedGroup, Device noReset, List<Device> slotMates) {

    /** A vfio device: its PCI address, group node, cdev (empty without cdev) and IOMMU group. */
    record Device(String bdf, String groupPath, String cdevPath, int group, boolean functionReset, String resetDomain) {
    }

    static LabDevices of(GetTopologyResponse topology) {
        Map<String, PciFunction> functions = topology.getFunctionsList().stream()
                .collect(Collectors.toMap(PciFunction::getBdf, Function.identity()));
        List<Device> devices = topology.getVfioDevicesList().stream()
                .filter(device -> device.getKind().equals("PHYSICAL"))
                .map(device -> device(device, functions.get(device.getName()))).toList();
        Map<Integer, List<Device>> groups = devices.stream().collect(Collectors.groupingBy(Device::group));
        List<Device> alone = devices.stream()
                .filter(device -> topology.getFunctionsList().stream().filter(function -> function.hasIommuGroup()
                        && function.getIommuGroup() == device.group()).count() == 1)
                .filter(Device::functionReset).toList();
        Device single = require(alone.stream().findFirst(), "a device alone in its group with a function reset", topology);
        Device other = require(alone.stream().filter(device -> !device.resetDomain().equals(single.resetDomain())).findFirst(),
                "a second device alone in its group", topology);
        // The bridge's group: two devices, one of them without a function reset.
        List<Device> shared = groups.values().stream().filter(members -> members.size() >= 2)
                .filter(members -> members.stream().anyMatch(device -> !device.functionReset())).findFirst()
                .orElseThrow(() -> new IllegalStateException("no IOMMU group with two vfio devices: " + topology));
        Device noReset = require(devices.stream().filter(device -> !device.functionReset()).findFirst(),
                "a device without a function reset", topology);
        List<Device> slotMates = devices.stream().collect(Collectors.groupingBy(device -> device.bdf().substring(0, 10)))
                .values().stream().filter(members -> members.size() >= 2 && members.stream().allMatch(Device::functionReset))
                .findFirst().orElseThrow(() -> new IllegalStateException("no multi-function device in " + topology));
        return new LabDevices(single, other, shared, noReset, slotMates);
    }

    private static Device device(VfioDevice device, PciFunction function) {
        return new Device(device.getName(), device.getGroupPath(), device.getCdevPath(), function.getIommuGroup(),
                function.getFunctionReset(), function.getResetDomain());
    }

    private static Device require(Optional<Device> device, String what, GetTopologyResponse topology) {
        return device.orElseThrow(() -> new IllegalStateException("the lab has no " + what + ": " + topology));
    }
}
