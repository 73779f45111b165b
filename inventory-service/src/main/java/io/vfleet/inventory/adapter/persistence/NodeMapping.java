package io.vfleet.inventory.adapter.persistence;

import io.vfleet.inventory.domain.AgentInfo;
import io.vfleet.inventory.domain.Device;
import io.vfleet.inventory.domain.IommuGroup;
import io.vfleet.inventory.domain.KernelSettings;
import io.vfleet.inventory.domain.Node;
import io.vfleet.inventory.domain.NodeDevice;
import io.vfleet.inventory.domain.PciId;
import io.vfleet.inventory.domain.ResetSet;
import io.vfleet.inventory.domain.Revision;
import java.util.List;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;

/**
 * Field by field between the domain's records and the rows that store them, both ways; IOMMU groups and
 * reset sets through JSON.
 */
final class NodeMapping {
    private static final TypeReference<List<IommuGroup>> IOMMU_GROUPS = new TypeReference<>() {
    };
    private static final TypeReference<List<ResetSet>> RESET_SETS = new TypeReference<>() {
    };

    private final JsonMapper json;

    NodeMapping(JsonMapper json) {
        this.json = json;
    }

    Node toNode(NodeEntity entity) {
        return new Node(entity.name, entity.state, new AgentInfo(entity.agentEndpoint, entity.agentVersion),
                new KernelSettings(entity.kernelProfile, entity.vfioGroup, entity.vfioContainer, entity.iommufdVfioContainer,
                        entity.vfioDeviceCdev, entity.unsafeNoiommuMode),
                json.readValue(entity.iommuGroups, IOMMU_GROUPS), json.readValue(entity.resetSets, RESET_SETS),
                entity.lastHeartbeat, new Revision(entity.revision));
    }

    void copy(Node node, NodeEntity entity) {
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
        entity.iommuGroups = json.writeValueAsString(node.iommuGroups());
        entity.resetSets = json.writeValueAsString(node.resetSets());
    }

    NodeDevice toNodeDevice(DeviceEntity entity) {
        Device device = new Device(entity.key.bdf(), new PciId(entity.vendorId, entity.deviceId, entity.classCode),
                entity.driver, entity.vfioDeviceName, entity.noiommu, entity.emulated, entity.sriovParent);
        return new NodeDevice(entity.key.nodeName(), device, entity.iommuGroup, entity.resetSet, entity.state,
                new Revision(entity.revision));
    }

    void copy(NodeDevice nodeDevice, DeviceEntity entity) {
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
}
