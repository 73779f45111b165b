package io.vfleet.inventory.adapter.persistence;

import io.vfleet.inventory.domain.AgentInfo;
import io.vfleet.inventory.domain.Device;
import io.vfleet.inventory.domain.IommuGroup;
import io.vfleet.inventory.domain.IovaWindow;
import io.vfleet.inventory.domain.KernelSettings;
import io.vfleet.inventory.domain.Node;
import io.vfleet.inventory.domain.NodeDevice;
import io.vfleet.inventory.domain.PciId;
import io.vfleet.inventory.domain.ReservedRegion;
import io.vfleet.inventory.domain.ResetSet;
import io.vfleet.inventory.domain.Revision;
import java.util.List;

/** Field by field between the domain's records and the rows that store them, both ways. */
final class NodeMapping {

    private NodeMapping() {
    }

    static Node toNode(NodeEntity entity) {
        return new Node(entity.name, entity.state, new AgentInfo(entity.agentEndpoint, entity.agentVersion),
                new KernelSettings(entity.kernelProfile, entity.vfioGroup, entity.vfioContainer, entity.iommufdVfioContainer,
                        entity.vfioDeviceCdev, entity.unsafeNoiommuMode),
                entity.iommuGroups.stream().map(NodeMapping::toIommuGroup).toList(),
                entity.resetSets.stream().map(value -> new ResetSet(value.key, List.of(value.members))).toList(),
                entity.lastHeartbeat, new Revision(entity.revision));
    }

    /** Writes {@code node}'s own fields into {@code entity}: all but its IOMMU groups and reset sets. */
    static void copy(Node node, NodeEntity entity) {
        entity.state = node.state();
        entity.agentEndpoint = node.agent().endpoint();
        entity.agentVersion = node.agent().version();
        KernelSettings kernel = node.kernel();
        entity.kernelProfile = kernel.profile();
        entity.vfioGroup = kernel.vfioGroup();
        entity.vfioContainer = kernel.vfioContainer();
        entity.iommufdVfioContainer = kernel.iommufdVfioContainer();
        entity.vfioDeviceCdev = kernel.vfioDeviceCdev();
        entity.unsafeNoiommuMode = kernel.unsafeNoiommuMode();
        entity.lastHeartbeat = node.lastHeartbeat();
        entity.revision = node.revision().value();
    }

    static boolean sameIommuGroups(Node node, NodeEntity entity) {
        return entity.iommuGroups.stream().map(NodeMapping::toIommuGroup).toList().equals(node.iommuGroups());
    }

    static void addIommuGroups(Node node, NodeEntity entity) {
        node.iommuGroups().forEach(group -> entity.iommuGroups.add(toEntity(group)));
    }

    static boolean sameResetSets(Node node, NodeEntity entity) {
        return entity.resetSets.stream().map(value -> new ResetSet(value.key, List.of(value.members))).toList()
                .equals(node.resetSets());
    }

    static void addResetSets(Node node, NodeEntity entity) {
        node.resetSets().forEach(set -> entity.resetSets.add(new ResetSetValue(set.key(), set.members().toArray(String[]::new))));
    }

    static NodeDevice toNodeDevice(DeviceEntity entity) {
        Device device = new Device(entity.key.bdf(), new PciId(entity.vendorId, entity.deviceId, entity.classCode),
                entity.driver, entity.vfioDeviceName, entity.noiommu, entity.emulated, entity.sriovParent);
        return new NodeDevice(entity.key.nodeName(), device, entity.iommuGroup, entity.resetSet, entity.state,
                new Revision(entity.revision));
    }

    static void copy(NodeDevice nodeDevice, DeviceEntity entity) {
        Device device = nodeDevice.device();
        entity.vendorId = device.id().vendorId();
        entity.deviceId = device.id().deviceId();
        entity.classCode = device.id().classCode();
        entity.driver = device.driver();
        entity.vfioDeviceName = device.vfioDeviceName();
        entity.noiommu = device.noiommu();
        entity.emulated = device.emulated();
        entity.sriovParent = device.sriovParent();
        entity.iommuGroup = nodeDevice.iommuGroup();
        entity.resetSet = nodeDevice.resetSet();
        entity.state = nodeDevice.state();
        entity.revision = nodeDevice.revision().value();
    }

    private static IommuGroup toIommuGroup(IommuGroupEntity entity) {
        return new IommuGroup(entity.number, new IovaWindow(entity.apertureStart, entity.apertureLast),
                entity.reservedRegions.stream()
                        .map(value -> new ReservedRegion(new IovaWindow(value.start, value.last), value.type)).toList(),
                List.of(entity.members));
    }

    private static IommuGroupEntity toEntity(IommuGroup group) {
        IommuGroupEntity entity = new IommuGroupEntity();
        entity.number = group.number();
        entity.apertureStart = group.aperture().start();
        entity.apertureLast = group.aperture().last();
        entity.members = group.members().toArray(String[]::new);
        group.reservedRegions().forEach(region -> entity.reservedRegions.add(
                new ReservedRegionValue(region.range().start(), region.range().last(), region.type())));
        return entity;
    }
}
