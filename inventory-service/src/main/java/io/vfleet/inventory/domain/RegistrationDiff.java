package io.vfleet.inventory.domain;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What a registration changes in the inventory, computed from what is stored: the node as it now is, the
 * device entries that changed, and the change events watchers receive, all at one new revision.
 *
 * <p>Rules: a first registration adds the node and all its devices; a device no longer reported becomes
 * {@code REMOVED} and stays; a removed device reported again comes back as modified; an unreachable node
 * that registers is ready again. A registration that changes nothing yields no change at all, which is
 * what makes registering idempotent.
 *
 * @param devices the device entries to store: only those that changed
 */
public record RegistrationDiff(Node node, List<NodeDevice> devices, List<Change> changes) {

    public RegistrationDiff {
        devices = List.copyOf(devices);
        changes = List.copyOf(changes);
    }

    public boolean changesNothing() {
        return changes.isEmpty();
    }

    /**
     * The difference {@code registration} makes to {@code known} (empty for a new node) and its stored
     * devices, stamped with {@code revision}, which the caller uses only when something changed.
     */
    public static RegistrationDiff between(Optional<Node> known, List<NodeDevice> knownDevices,
                                           NodeRegistration registration, Revision revision) {
        List<Change> changes = new ArrayList<>();
        Node node = known.map(existing -> existing.describedAs(registration, revision))
                .orElseGet(() -> new Node(registration.name(), NodeState.READY, registration.agent(), registration.kernel(),
                        registration.topology().iommuGroups(), registration.topology().resetSets(), null, revision));
        boolean nodeChanged = known.isEmpty() || known.get().state() != NodeState.READY || !known.get().describes(registration);
        List<NodeDevice> changedDevices = new ArrayList<>();
        List<Change> deviceChanges = diffDevices(knownDevices, placed(registration, revision), revision, changedDevices);
        if (nodeChanged) {
            changes.add(new Change.NodeChanged(known.isEmpty() ? ChangeType.ADDED : ChangeType.MODIFIED, node));
        }
        changes.addAll(deviceChanges);
        if (changes.isEmpty()) {
            return new RegistrationDiff(known.get(), List.of(), List.of());
        }
        return new RegistrationDiff(node, changedDevices, changes);
    }

    private static List<Change> diffDevices(List<NodeDevice> knownDevices, List<NodeDevice> reported, Revision revision,
                                            List<NodeDevice> changed) {
        Map<String, NodeDevice> knownByBdf = new LinkedHashMap<>();
        for (NodeDevice device : knownDevices) {
            knownByBdf.put(device.bdf(), device);
        }
        List<Change> changes = new ArrayList<>();
        for (NodeDevice device : reported) {
            NodeDevice before = knownByBdf.remove(device.bdf());
            if (before == null) {
                changed.add(device);
                changes.add(new Change.DeviceChanged(ChangeType.ADDED, device));
            } else if (!before.sameAs(device)) {
                changed.add(device);
                changes.add(new Change.DeviceChanged(ChangeType.MODIFIED, device));
            }
        }
        for (NodeDevice gone : knownByBdf.values()) {
            if (gone.state() == DeviceState.REMOVED) {
                continue;
            }
            NodeDevice removed = gone.removedAt(revision);
            changed.add(removed);
            changes.add(new Change.DeviceChanged(ChangeType.REMOVED, removed));
        }
        return changes;
    }

    /** The reported devices as entries, with the IOMMU group and reset set the registration places them in. */
    private static List<NodeDevice> placed(NodeRegistration registration, Revision revision) {
        Map<String, Integer> groupOf = new HashMap<>();
        for (IommuGroup group : registration.topology().iommuGroups()) {
            for (String member : group.members()) {
                groupOf.put(member, group.number());
            }
        }
        Map<String, String> resetSetOf = new HashMap<>();
        for (ResetSet resetSet : registration.topology().resetSets()) {
            for (String member : resetSet.members()) {
                resetSetOf.put(member, resetSet.key());
            }
        }
        List<NodeDevice> devices = new ArrayList<>();
        for (Device device : registration.topology().devices()) {
            devices.add(new NodeDevice(registration.name(), device, groupOf.get(device.bdf()), resetSetOf.get(device.bdf()),
                    DeviceState.PRESENT, revision));
        }
        return devices;
    }
}
