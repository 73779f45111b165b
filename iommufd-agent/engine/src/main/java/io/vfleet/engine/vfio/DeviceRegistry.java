package io.vfleet.engine.vfio;

import io.vfleet.engine.Errno;
import io.vfleet.engine.KernelConfig;
import io.vfleet.engine.iommu.IommuGroup;
import io.vfleet.engine.topology.EmulatedDeviceSpec;
import io.vfleet.engine.topology.HostTopology;
import io.vfleet.engine.topology.IommuFacts;
import io.vfleet.engine.topology.PciFunction;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The devices vfio drivers registered at boot (vfio_register_group_dev, vfio_main.c and group.c):
 * every vfio-pci function with an IOMMU group, every vfio-pci function without one when unsafe
 * noiommu mode is on (in a private {@code noiommu-<id>} group), and every emulated device (in a
 * private group of its own). Device indexes ({@code vfioN}) are handed out lowest free first in
 * registration order: PCI functions by BDF, then emulated devices.
 *
 * <p>Built once and never changed after boot; the objects inside are guarded by the host lock.
 */
public final class DeviceRegistry {
    private final List<VfioDevice> devices = new ArrayList<>();
    private final Map<String, VfioDevice> byName = new HashMap<>();
    private final Map<Integer, VfioDevice> byIndex = new HashMap<>();
    private final Map<Integer, IommuGroup> iommuGroups = new LinkedHashMap<>();
    private final Map<String, VfioGroup> groupsByNode = new LinkedHashMap<>();
    private final Map<String, VfioDeviceSet> deviceSets = new HashMap<>();
    private final PciBus pciBus;

    public DeviceRegistry(HostTopology topology) {
        KernelConfig config = topology.kernel();
        this.pciBus = new PciBus(topology);
        Map<Integer, Integer> hostDmaUsers = new HashMap<>();
        int highestGroup = -1;
        for (PciFunction function : topology.functions()) {
            if (function.iommuGroup() != null) {
                highestGroup = Math.max(highestGroup, function.iommuGroup());
                hostDmaUsers.merge(function.iommuGroup(), function.holdsDmaOwnership() ? 1 : 0, Integer::sum);
            }
        }
        hostDmaUsers.forEach((id, count) -> iommuGroups.put(id, new IommuGroup(id, count)));
        int nextFakeGroup = highestGroup + 1;
        for (PciFunction function : topology.functions()) {
            if (!"vfio-pci".equals(function.driver())) {
                continue;
            }
            VfioDeviceSet set = deviceSets.computeIfAbsent(topology.resetDomainKey(function.bdf()), VfioDeviceSet::new);
            if (function.iommuGroup() != null) {
                IommuGroup iommuGroup = iommuGroups.get(function.iommuGroup());
                VfioGroup group = config.vfioGroup()
                        ? groupsByNode.computeIfAbsent(Integer.toString(iommuGroup.id()),
                                node -> new VfioGroup(iommuGroup.id(), VfioGroup.Type.IOMMU, iommuGroup, config))
                        : null;
                register(VfioDevice.Kind.PHYSICAL, function.bdf().toString(), function, function.iommu(),
                        false, iommuGroup, group, set);
            } else if (config.unsafeNoiommuMode()) {
                int id = nextFakeGroup++;
                VfioGroup group = new VfioGroup(id, VfioGroup.Type.NO_IOMMU, null, config);
                if (config.vfioGroup()) {
                    groupsByNode.put(group.nodeName(), group);
                }
                register(VfioDevice.Kind.NOIOMMU, function.bdf().toString(), function, function.iommu(),
                        false, null, group, set);
            }
        }
        for (EmulatedDeviceSpec emulated : topology.emulatedDevices()) {
            int id = nextFakeGroup++;
            VfioGroup group = config.vfioGroup() ? new VfioGroup(id, VfioGroup.Type.EMULATED, null, config) : null;
            if (group != null) {
                groupsByNode.put(group.nodeName(), group);
            }
            VfioDeviceSet set = new VfioDeviceSet("emulated:" + emulated.name());
            deviceSets.put(set.key(), set);
            register(VfioDevice.Kind.EMULATED, emulated.name(), null, null, emulated.requiresKvm(), null, group, set);
        }
    }

    private void register(VfioDevice.Kind kind, String name, PciFunction function, IommuFacts facts,
            boolean requiresKvm, IommuGroup iommuGroup, VfioGroup group, VfioDeviceSet set) {
        int index = devices.size();
        boolean needsKvm = requiresKvm || (facts != null && facts.requiresKvm());
        VfioDevice device = new VfioDevice(new VfioDevice.Registration(index, kind, name, function, facts, needsKvm,
                iommuGroup, group, set, function != null ? pciBus : null));
        devices.add(device);
        byName.put(name, device);
        byIndex.put(index, device);
        set.add(device);
        if (group != null) {
            group.addDevice(device);
        }
        if (function != null) {
            pciBus.register(device);
        }
    }

    public List<VfioDevice> devices() {
        return Collections.unmodifiableList(devices);
    }

    /** The device named {@code name} (BDF or emulated name), or ENODEV. */
    public VfioDevice byName(String name) {
        VfioDevice device = byName.get(name);
        if (device == null) {
            throw Errno.ENODEV.exception("no vfio device named " + name);
        }
        return device;
    }

    /** The device with cdev index {@code index}, or null. */
    public VfioDevice byIndex(int index) {
        return byIndex.get(index);
    }

    /** The vfio group whose node is {@code /dev/vfio/<node>}, or null. */
    public VfioGroup groupByNode(String node) {
        return groupsByNode.get(node);
    }

    public List<VfioGroup> groups() {
        return List.copyOf(groupsByNode.values());
    }

    public List<IommuGroup> iommuGroups() {
        return List.copyOf(iommuGroups.values());
    }

    public List<VfioDeviceSet> deviceSets() {
        return List.copyOf(deviceSets.values());
    }

    public PciBus pciBus() {
        return pciBus;
    }
}
