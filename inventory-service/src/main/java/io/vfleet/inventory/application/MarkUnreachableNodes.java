package io.vfleet.inventory.application;

import io.vfleet.inventory.domain.Change;
import io.vfleet.inventory.domain.ChangeType;
import io.vfleet.inventory.domain.Node;
import io.vfleet.inventory.domain.NodeState;
import io.vfleet.inventory.domain.Revision;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Marks unreachable every ready node not heard from within the heartbeat timeout, all at one revision.
 * Nothing is deleted: the node's devices stay listed, unavailable for new assignments, until its agent
 * heartbeats or registers again. Run on a schedule; running twice is harmless.
 */
public final class MarkUnreachableNodes {
    private final Nodes nodes;
    private final ChangeLog changeLog;
    private final TransactionTemplate transactions;
    private final CommittedRevision committedRevision;
    private final Clock clock;
    private final Duration heartbeatTimeout;

    public MarkUnreachableNodes(RegisterNode.Collaborators collaborators, Clock clock, Duration heartbeatTimeout) {
        this.nodes = collaborators.nodes();
        this.changeLog = collaborators.changeLog();
        this.transactions = collaborators.transactions();
        this.committedRevision = collaborators.committedRevision();
        this.clock = clock;
        this.heartbeatTimeout = heartbeatTimeout;
    }

    /** The names of the nodes marked unreachable by this run, in name order. */
    public List<String> markUnreachable() {
        Instant now = clock.instant();
        List<Node> marked = transactions.execute(status -> mark(now.minus(heartbeatTimeout), now));
        if (!marked.isEmpty()) {
            committedRevision.committed(marked.getFirst().revision());
        }
        return marked.stream().map(Node::name).toList();
    }

    private List<Node> mark(Instant heardBefore, Instant now) {
        List<Node> silent = nodes.lockSilentSince(heardBefore);
        if (silent.isEmpty()) {
            return List.of();
        }
        Revision revision = changeLog.advance();
        List<Node> marked = new ArrayList<>();
        List<Change> changes = new ArrayList<>();
        for (Node node : silent) {
            Node unreachable = node.withState(NodeState.UNREACHABLE, revision);
            nodes.save(unreachable, List.of());
            marked.add(unreachable);
            changes.add(new Change.NodeChanged(ChangeType.MODIFIED, unreachable));
        }
        changeLog.append(changes, now);
        return marked;
    }
}
