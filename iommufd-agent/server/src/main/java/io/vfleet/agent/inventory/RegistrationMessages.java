package io.vfleet.agent.inventory;

import io.vfleet.api.inventory.v1.Agent;
import io.vfleet.api.inventory.v1.Device;
import io.vfleet.api.inventory.v1.IommuGroup;
import io.vfleet.api.inventory.v1.IovaWindow;
import io.vfleet.api.inventory.v1.KernelConfig;
import io.vfleet.api.inventory.v1.RegisterRequest;
import io.vfleet.api.inventory.v1.ReservedRegion;
import io.vfleet.api.inventory.v1.ResetSet;
import io.vfleet.agent.kernel.HostKernel;
import io.vfleet.agent.kernel.RegisteredDevice;
import io.vfleet.engine.IovaRange;
import io.vfleet.engine.topology.HostTopology;
import io.vfleet.engine.topology.PciFunction;
import io.vfleet.engine.vfio.VfioDevice;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What a node tells the inventory about itself, read from its booted host: every PCI function
 * that is not a bridge (with its vfio cdev name when vfio drives it), every emulated device, the
 * IOMMU groups with their aperture and reserved regions, and the reset sets — the functions a slot
 * or bus reset would hit together, host-driven ones included, since they too stand in the way of
 * a reset.
 */
final class RegistrationMessages {
    private RegistrationMessages() {
    }

    static RegisterRequest registration(HostKernel host, String endpoint, String version) {
        HostTopology topology = host.topology();
        List<RegisteredDevice> registered = host.vfioDevices();
        Map<String, RegisteredDevice> vfioByName = new LinkedHashMap<>();
        for (RegisteredDevice device : registered) {
            vfioByName.put(device.name(), device);
        }
        RegisterRequest.Builder request = RegisterRequest.newBuilder()
                .setNodeName(topology.hostname())
                .setAgent(Agent.newBuilder().setEndpoint(endpoint).setVersion(version))
                .setKernel(kernel(topology));
        Map<Integer, IommuGroup.Builder> groups = new TreeMap<>();
        Map<String, List<String>> resetSets = new TreeMap<>();
        for (PciFunction function : topology.functions()) {
            if (function.isBridge()) {
                continue;
            }
            String bdf = function.bdf().toString();
            RegisteredDevice vfio = vfioByName.get(bdf);
            Device.Builder device = Device.newBuilder()
                    .setBdf(bdf)
                    .setVendorId(function.id().vendorId())
                    .setDeviceId(function.id().deviceId())
                    .setClassCode(function.id().classCode())
                    .setDriver(function.driver() == null ? "" : function.driver())
                    .setNoiommu(vfio != null && vfio.kind() == VfioDevice.Kind.NOIOMMU);
            if (vfio != null) {
                device.setVfioDeviceName(vfio.cdevName());
            }
            if (function.physfn() != null) {
                device.setSriovParent(function.physfn().toString());
            }
            request.addDevices(device);
            if (function.iommuGroup() != null) {
                groups.computeIfAbsent(function.iommuGroup(), number -> group(number, function)).addMembers(bdf);
            }
            resetSets.computeIfAbsent(topology.resetDomainKey(function.bdf()), key -> new ArrayList<>()).add(bdf);
        }
        for (RegisteredDevice device : registered) {
            if (device.kind() == VfioDevice.Kind.EMULATED) {
                request.addDevices(Device.newBuilder().setBdf(device.name()).setEmulated(true)
                        .setDriver("vfio-mdev").setVfioDeviceName(device.cdevName()));
                resetSets.put(device.deviceSetKey(), List.of(device.name()));
            }
        }
        groups.values().forEach(request::addIommuGroups);
        resetSets.forEach((key, members) -> request.addResetSets(ResetSet.newBuilder().setKey(key).addAllMembers(members)));
        return request.build();
    }

    private static IommuGroup.Builder group(int number, PciFunction first) {
        IommuGroup.Builder group = IommuGroup.newBuilder().setNumber(number).setAperture(window(first.iommu().aperture()));
        first.iommu().reservedRegions().forEach(region -> group.addReservedRegions(ReservedRegion.newBuilder()
                .setRange(window(region.range())).setType(region.type().sysfsName())));
        return group;
    }

    private static IovaWindow window(IovaRange range) {
        return IovaWindow.newBuilder().setStart(range.start()).setLast(range.last()).build();
    }

    private static KernelConfig kernel(HostTopology topology) {
        var kernel = topology.kernel();
        return KernelConfig.newBuilder()
                .setProfile(kernel.profile().label())
                .setVfioGroup(kernel.vfioGroup())
                .setVfioContainer(kernel.vfioContainer())
                .setIommufdVfioContainer(kernel.iommufdVfioContainer())
                .setVfioDeviceCdev(kernel.vfioDeviceCdev())
                .setUnsafeNoiommuMode(kernel.unsafeNoiommuMode())
                .build();
    }
}
