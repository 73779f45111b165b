package io.vfleet.assignment.application;

import io.vfleet.assignment.domain.DeviceSelector;
import io.vfleet.assignment.domain.TopologyDevice;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.NavigableMap;
import java.util.NavigableSet;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Which live nodes have free devices of each PCI identity, and how many: for each identity, the nodes
 * bucketed by their count of free devices of it, so that the nodes that can take {@code count} devices
 * are found without looking at the others, fullest first.
 *
 * <p>"Free" here is the cheap, tenant-blind reading: assignable, in a viable IOMMU group, held by
 * nobody. Who may have a device (scrub, noiommu) and whether whole groups fit is decided per node by
 * {@link io.vfleet.assignment.domain.Placement#onNode}; the index only says where to look.
 *
 * <p>Not thread-safe: {@link FleetView} guards it.
 */
final class FreeDeviceIndex {

    /** Per identity: free count → nodes with that many free devices of it, by name. */
    private final Map<TopologyDevice.PciId, NavigableMap<Integer, NavigableSet<String>>> byIdentity = new HashMap<>();
    /** Per node: its free count per identity, as indexed now. */
    private final Map<String, Map<TopologyDevice.PciId, Integer>> byNode = new HashMap<>();

    /** Replaces what is indexed of {@code node} with these counts (empty for a node that has nothing to offer). */
    void put(String node, Map<TopologyDevice.PciId, Integer> freeCounts) {
        remove(node);
        Map<TopologyDevice.PciId, Integer> kept = new HashMap<>();
        freeCounts.forEach((identity, free) -> {
            if (free > 0) {
                kept.put(identity, free);
                byIdentity.computeIfAbsent(identity, ignored -> new TreeMap<>())
                        .computeIfAbsent(free, ignored -> new TreeSet<>()).add(node);
            }
        });
        if (!kept.isEmpty()) {
            byNode.put(node, kept);
        }
    }

    void remove(String node) {
        Map<TopologyDevice.PciId, Integer> indexed = byNode.remove(node);
        if (indexed == null) {
            return;
        }
        indexed.forEach((identity, free) -> {
            NavigableMap<Integer, NavigableSet<String>> buckets = byIdentity.get(identity);
            NavigableSet<String> bucket = buckets.get(free);
            bucket.remove(node);
            if (bucket.isEmpty()) {
                buckets.remove(free);
                if (buckets.isEmpty()) {
                    byIdentity.remove(identity);
                }
            }
        });
    }

    void clear() {
        byIdentity.clear();
        byNode.clear();
    }

    /**
     * The nodes that may have {@code selector.count()} free matching devices, each once, fullest first
     * (fewest free devices of the identity that led to it), then by name.
     *
     * <p>A selector may match several identities (a class without a vendor), whose devices add up on one
     * node; a node with {@code count} of them has at least {@code count / identities} of one, so only the
     * buckets from there up are visited, identity after identity.
     */
    Iterator<String> candidates(DeviceSelector selector) {
        Set<TopologyDevice.PciId> matching = new LinkedHashSet<>();
        for (TopologyDevice.PciId identity : byIdentity.keySet()) {
            if (selector.matches(identity)) {
                matching.add(identity);
            }
        }
        int least = matching.isEmpty() ? 1 : Math.max(1, Math.ceilDiv(selector.count(), matching.size()));
        Iterator<TopologyDevice.PciId> identities = matching.stream()
                .sorted(java.util.Comparator.comparingInt(TopologyDevice.PciId::vendorId)
                        .thenComparingInt(TopologyDevice.PciId::deviceId)
                        .thenComparingInt(TopologyDevice.PciId::classCode))
                .iterator();
        return new Iterator<>() {
            private final Set<String> given = new java.util.HashSet<>();
            private Iterator<NavigableSet<String>> buckets = java.util.Collections.emptyIterator();
            private Iterator<String> nodes = java.util.Collections.emptyIterator();
            private String next = advance();

            private String advance() {
                while (true) {
                    while (nodes.hasNext()) {
                        String node = nodes.next();
                        if (given.add(node)) {
                            return node;
                        }
                    }
                    if (buckets.hasNext()) {
                        nodes = buckets.next().iterator();
                    } else if (identities.hasNext()) {
                        buckets = byIdentity.get(identities.next()).tailMap(least, true).values().iterator();
                    } else {
                        return null;
                    }
                }
            }

            @Override
            public boolean hasNext() {
                return next != null;
            }

            @Override
            public String next() {
                if (next == null) {
                    throw new NoSuchElementException();
                }
                String current = next;
                next = advance();
                return current;
            }
        };
    }
}
