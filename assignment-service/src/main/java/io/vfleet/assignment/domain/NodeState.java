package io.vfleet.assignment.domain;

import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * What the rules read about one node: its topology, the current holds by BDF, and the devices still
 * awaiting a scrub reset with the tenant that last had them.
 *
 * <p>A snapshot: the database decides the race between two snapshots (a unique index on held
 * devices), so a rule passing on a stale snapshot can still lose at commit.
 */
public record NodeState(NodeTopology topology, Map<String, Hold> holds, Map<String, String> scrubPendingFrom) {

    public NodeState {
        Objects.requireNonNull(topology, "topology");
        holds = Map.copyOf(holds);
        scrubPendingFrom = Map.copyOf(scrubPendingFrom);
    }

    public static NodeState idle(NodeTopology topology) {
        return new NodeState(topology, Map.of(), Map.of());
    }

    public String node() {
        return topology.node();
    }

    public Optional<Hold> hold(String bdf) {
        return Optional.ofNullable(holds.get(bdf));
    }

    public boolean isFree(String bdf) {
        return !holds.containsKey(bdf);
    }
}
