package io.vfleet.assignment.adapter.inventory;

import io.vfleet.api.inventory.v1.DeviceState;
import io.vfleet.api.inventory.v1.Node;
import io.vfleet.api.inventory.v1.NodeDevice;
import io.vfleet.api.inventory.v1.NodeState;
import io.vfleet.assignment.application.Identifiers;
import io.vfleet.assignment.domain.NodeTopology;
import io.vfleet.assignment.domain.TopologyDevice;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The inventory as the feed has heard it so far, in the inventory's own messages: each node and
 * each of its devices at their latest change. Changes carry whole new states, so applying one twice
 * is harmless, which is what lets the feed resume a revision it may have seen in part.
 */
final class InventoryView {

    /** Where the kernel puts vfio device nodes. */
    private static final String CDEV_DIRECTORY = "/dev/vfio/devices/";

    private final Map<String, Node> nodes = new HashMap<>();
    private final Map<String, Map<String, NodeDevice>> devices = new HashMap<>();

    void clear() {
        nodes.clear();
        devices.clear();
    }

    Optional<Node> node(String name) {
        return Optional.ofNullable(nodes.get(name));
    }

    Set<String> nodeNames() {
        return Set.copyOf(nodes.keySet());
    }

    /** Stores the node's new state; answers its state before, if it had one. */
    Optional<Node> put(Node node) {
        return Optional.ofNullable(nodes.put(node.getName(), node));
    }

    void put(NodeDevice device) {
        devices.computeIfAbsent(device.getNodeName(), node -> new HashMap<>()).put(key(device), device);
    }

    /**
     * The node as the assignment rules see it, once the node itself has been heard of: its PCI
     * functions still reported (removed and emulated ones are not assignable to anyone), a READY
     * node live and any other not.
     */
    Optional<NodeTopology> topology(String name) {
        Node node = nodes.get(name);
        if (node == null) {
            return Optional.empty();
        }
        List<TopologyDevice> functions = new ArrayList<>();
        for (NodeDevice device : devices.getOrDefault(name, Map.of()).values()) {
            if (device.getState() == DeviceState.DEVICE_REMOVED || device.getDevice().getEmulated()
                    || !Identifiers.isBdf(device.getDevice().getBdf())) {
                continue;
            }
            functions.add(function(device));
        }
        return Optional.of(new NodeTopology(name, node.getKernel().getUnsafeNoiommuMode(),
                node.getState() == NodeState.READY, functions));
    }

    private static TopologyDevice function(NodeDevice reported) {
        var device = reported.getDevice();
        String bdf = device.getBdf();
        // A noiommu device has no IOMMU group, yet vfio gives each one a group of its own; minus one
        // minus its routing id stands for it, distinct per device and never a real group's number.
        int group = reported.hasIommuGroup() ? reported.getIommuGroup() : -1 - routingId(bdf);
        // A device in no reset set is reset alone: a set of its own.
        String resetSet = reported.getResetSet().isEmpty() ? "alone:" + bdf : reported.getResetSet();
        String vfioName = device.getVfioDeviceName().isEmpty() ? "" : CDEV_DIRECTORY + device.getVfioDeviceName();
        return new TopologyDevice(bdf,
                new TopologyDevice.PciId(device.getVendorId(), device.getDeviceId(), device.getClassCode()),
                group, resetSet, device.getNoiommu() ? TopologyDevice.Kind.NOIOMMU : TopologyDevice.Kind.PHYSICAL,
                device.getDriver().equals("vfio-pci"), vfioName);
    }

    /** {@code domain:bus:device.function} as one number, as PCI routes requests: domain, bus, 5 bits, 3 bits. */
    private static int routingId(String bdf) {
        int domain = Integer.parseInt(bdf, 0, 4, 16);
        int bus = Integer.parseInt(bdf, 5, 7, 16);
        int device = Integer.parseInt(bdf, 8, 10, 16);
        int function = Integer.parseInt(bdf, 11, 12, 16);
        return (domain & 0x7fff) << 16 | bus << 8 | device << 3 | function;
    }

    private static String key(NodeDevice device) {
        return device.getDevice().getBdf().isEmpty() ? "emulated:" + device.getDevice().getVfioDeviceName()
                : device.getDevice().getBdf();
    }
}
