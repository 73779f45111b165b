package io.vfleet.inventory.domain;

import java.time.Instant;
import java.util.List;

/**
 * A node as the inventory knows it: its agent, kernel, IOMMU groups and reset sets, whether it is heard
 * from, and the revision of its last change. Its devices are listed separately ({@link NodeDevice}),
 * since a dashboard pages through them.
 *
 * @param lastHeartbeat when the agent last registered or heartbeated
 * @param revision      the revision at which this node last changed
 */
public record Node(String name, NodeState state, AgentInfo agent, KernelSettings kernel, List<IommuGroup> iommuGroups,
                   List<ResetSet> resetSets, Instant lastHeartbeat, Revision revision) {

    public Node {
        iommuGroups = List.copyOf(iommuGroups);
        resetSets = List.copyOf(resetSets);
    }

    /** The same node as registered at {@code newRevision}, with the description it now reports. */
    public Node describedAs(NodeRegistration registration, Revision newRevision) {
        return new Node(name, NodeState.READY, registration.agent(), registration.kernel(),
                registration.topology().iommuGroups(), registration.topology().resetSets(), lastHeartbeat, newRevision);
    }

    public Node withState(NodeState newState, Revision newRevision) {
        return new Node(name, newState, agent, kernel, iommuGroups, resetSets, lastHeartbeat, newRevision);
    }

    public Node heardFromAt(Instant heartbeat) {
        return new Node(name, state, agent, kernel, iommuGroups, resetSets, heartbeat, revision);
    }

    /** Whether this node reports the same description as {@code registration}, state and heartbeat aside. */
    public boolean describes(NodeRegistration registration) {
        return agent.equals(registration.agent()) && kernel.equals(registration.kernel())
                && iommuGroups.equals(registration.topology().iommuGroups())
                && resetSets.equals(registration.topology().resetSets());
    }
}
