package io.vfleet.inventory.adapter.grpc;

import io.vfleet.api.inventory.v1.RegisterRequest;
import io.vfleet.inventory.domain.AgentInfo;
import io.vfleet.inventory.domain.Change;
import io.vfleet.inventory.domain.ChangeType;
import io.vfleet.inventory.domain.Device;
import io.vfleet.inventory.domain.IommuGroup;
import io.vfleet.inventory.domain.IovaWindow;
import io.vfleet.inventory.domain.KernelSettings;
import io.vfleet.inventory.domain.Node;
import io.vfleet.inventory.domain.NodeDevice;
import io.vfleet.inventory.domain.NodeRegistration;
import io.vfleet.inventory.domain.PciId;
import io.vfleet.inventory.domain.ReservedRegion;
import io.vfleet.inventory.domain.ResetSet;
import io.vfleet.inventory.domain.Topology;

/**
 * Field by field between {@code vfleet.inventory.v1} messages and the domain's records. Protobuf has no
 * null, so an empty string stands for an absent driver, vfio device name, SR-IOV parent or reset set.
 */
final class InventoryMessages {

    private InventoryMessages() {
    }

    static NodeRegistration toRegistration(RegisterRequest request) {
        return new NodeRegistration(request.getNodeName(),
                request.hasAgent() ? new AgentInfo(request.getAgent().getEndpoint(), request.getAgent().getVersion()) : null,
                request.hasKernel() ? toKernel(request.getKernel()) : null,
                new Topology(request.getDevicesList().stream().map(InventoryMessages::toDevice).toList(),
                        request.getIommuGroupsList().stream().map(InventoryMessages::toIommuGroup).toList(),
                        request.getResetSetsList().stream().map(set -> new ResetSet(set.getKey(), set.getMembersList())).toList()));
    }

    static io.vfleet.api.inventory.v1.Node toMessage(Node node) {
        io.vfleet.api.inventory.v1.Node.Builder message = io.vfleet.api.inventory.v1.Node.newBuilder()
                .setName(node.name())
                .setState(switch (node.state()) {
                    case READY -> io.vfleet.api.inventory.v1.NodeState.READY;
                    case UNREACHABLE -> io.vfleet.api.inventory.v1.NodeState.UNREACHABLE;
                })
                .setAgent(io.vfleet.api.inventory.v1.Agent.newBuilder()
                        .setEndpoint(node.agent().endpoint()).setVersion(node.agent().version()))
                .setKernel(toMessage(node.kernel()))
                .setRevision(node.revision().value());
        node.iommuGroups().forEach(group -> message.addIommuGroups(toMessage(group)));
        node.resetSets().forEach(set -> message.addResetSets(
                io.vfleet.api.inventory.v1.ResetSet.newBuilder().setKey(set.key()).addAllMembers(set.members())));
        return message.build();
    }

    static io.vfleet.api.inventory.v1.NodeDevice toMessage(NodeDevice entry) {
        Device device = entry.device();
        io.vfleet.api.inventory.v1.NodeDevice.Builder message = io.vfleet.api.inventory.v1.NodeDevice.newBuilder()
                .setNodeName(entry.node())
                .setDevice(io.vfleet.api.inventory.v1.Device.newBuilder()
                        .setBdf(device.bdf())
                        .setVendorId(device.id().vendorId())
                        .setDeviceId(device.id().deviceId())
                        .setClassCode(device.id().classCode())
                        .setDriver(orEmpty(device.driver()))
                        .setVfioDeviceName(orEmpty(device.vfioDeviceName()))
                        .setNoiommu(device.noiommu())
                        .setEmulated(device.emulated())
                        .setSriovParent(orEmpty(device.sriovParent())))
                .setResetSet(orEmpty(entry.resetSet()))
                .setState(switch (entry.state()) {
                    case PRESENT -> io.vfleet.api.inventory.v1.DeviceState.PRESENT;
                    case REMOVED -> io.vfleet.api.inventory.v1.DeviceState.DEVICE_REMOVED;
                })
                .setRevision(entry.revision().value());
        if (entry.iommuGroup() != null) {
            message.setIommuGroup(entry.iommuGroup());
        }
        return message.build();
    }

    static io.vfleet.api.inventory.v1.Change toMessage(Change change) {
        io.vfleet.api.inventory.v1.Change.Builder message = io.vfleet.api.inventory.v1.Change.newBuilder()
                .setRevision(change.revision().value())
                .setType(toMessage(change.type()));
        switch (change) {
            case Change.NodeChanged nodeChanged -> message.setNode(toMessage(nodeChanged.state()));
            case Change.DeviceChanged deviceChanged -> message.setDevice(toMessage(deviceChanged.state()));
        }
        return message.build();
    }

    private static io.vfleet.api.inventory.v1.ChangeType toMessage(ChangeType type) {
        return switch (type) {
            case ADDED -> io.vfleet.api.inventory.v1.ChangeType.ADDED;
            case MODIFIED -> io.vfleet.api.inventory.v1.ChangeType.MODIFIED;
            case REMOVED -> io.vfleet.api.inventory.v1.ChangeType.REMOVED;
        };
    }

    private static KernelSettings toKernel(io.vfleet.api.inventory.v1.KernelConfig kernel) {
        return new KernelSettings(kernel.getProfile(), kernel.getVfioGroup(), kernel.getVfioContainer(),
                kernel.getIommufdVfioContainer(), kernel.getVfioDeviceCdev(), kernel.getUnsafeNoiommuMode());
    }

    private static io.vfleet.api.inventory.v1.KernelConfig toMessage(KernelSettings kernel) {
        return io.vfleet.api.inventory.v1.KernelConfig.newBuilder()
                .setProfile(kernel.profile())
                .setVfioGroup(kernel.vfioGroup())
                .setVfioContainer(kernel.vfioContainer())
                .setIommufdVfioContainer(kernel.iommufdVfioContainer())
                .setVfioDeviceCdev(kernel.vfioDeviceCdev())
                .setUnsafeNoiommuMode(kernel.unsafeNoiommuMode())
                .build();
    }

    /** Ids wider than PCI's are refused here: the domain cannot even hold them. */
    private static Device toDevice(io.vfleet.api.inventory.v1.Device device) {
        PciId id;
        try {
            id = new PciId(device.getVendorId(), device.getDeviceId(), device.getClassCode());
        } catch (IllegalArgumentException outOfRange) {
            throw new IllegalArgumentException("device " + device.getBdf() + ": " + outOfRange.getMessage());
        }
        return new Device(device.getBdf(), id, emptyToNull(device.getDriver()), emptyToNull(device.getVfioDeviceName()),
                device.getNoiommu(), device.getEmulated(), emptyToNull(device.getSriovParent()));
    }

    private static IommuGroup toIommuGroup(io.vfleet.api.inventory.v1.IommuGroup group) {
        return new IommuGroup(group.getNumber(), group.hasAperture() ? toWindow(group.getAperture()) : null,
                group.getReservedRegionsList().stream()
                        .map(region -> new ReservedRegion(region.hasRange() ? toWindow(region.getRange()) : null, region.getType()))
                        .toList(),
                group.getMembersList());
    }

    private static io.vfleet.api.inventory.v1.IommuGroup toMessage(IommuGroup group) {
        io.vfleet.api.inventory.v1.IommuGroup.Builder message = io.vfleet.api.inventory.v1.IommuGroup.newBuilder()
                .setNumber(group.number())
                .setAperture(toMessage(group.aperture()))
                .addAllMembers(group.members());
        group.reservedRegions().forEach(region -> message.addReservedRegions(io.vfleet.api.inventory.v1.ReservedRegion.newBuilder()
                .setRange(toMessage(region.range())).setType(region.type())));
        return message.build();
    }

    private static IovaWindow toWindow(io.vfleet.api.inventory.v1.IovaWindow window) {
        return new IovaWindow(window.getStart(), window.getLast());
    }

    private static io.vfleet.api.inventory.v1.IovaWindow toMessage(IovaWindow window) {
        return io.vfleet.api.inventory.v1.IovaWindow.newBuilder().setStart(window.start()).setLast(window.last()).build();
    }

    private static String orEmpty(String text) {
        return text == null ? "" : text;
    }

    private static String emptyToNull(String text) {
        return text.isEmpty() ? null : text;
    }
}
