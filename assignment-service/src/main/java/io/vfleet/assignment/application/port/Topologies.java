package io.vfleet.assignment.application.port;

import io.vfleet.assignment.domain.NodeTopology;
import java.util.List;
import java.util.Optional;

/**
 * The service's own copy of the fleet's topology, fed by the inventory. Decisions read the fleet view,
 * which this copy feeds; the copy is read when the view loads, and by reconciliation and the dashboard.
 */
public interface Topologies {

    Optional<NodeTopology> find(String node);

    List<NodeTopology> all();

    /**
     * Replaces what is known of the node, as the inventory's revision {@code revision} describes it, unless
     * the copy has the node at a newer revision already (another replica wrote it, or a feed replays an old
     * change): then nothing changes. Answers whether the copy was written.
     */
    boolean replace(NodeTopology topology, long revision);

    /** Forgets the node, unless the copy has it at a revision newer than {@code revision}; answers whether it went. */
    boolean remove(String node, long revision);

    /** The highest inventory revision applied, or 0 before the first. */
    long revision();

    /**
     * Records where the node's agent listens ({@code host:port}), as the inventory's revision
     * {@code revision} reports it; the copy keeps a newer one it has, but this replica uses what its own
     * feed reported.
     */
    void recordAgentEndpoint(String node, String endpoint, long revision);

    /**
     * Where the node's agent listens, as this replica's feed last reported it, or else as the copy has it:
     * asked on every agent call, so answered from memory once known.
     */
    Optional<String> agentEndpoint(String node);
}
