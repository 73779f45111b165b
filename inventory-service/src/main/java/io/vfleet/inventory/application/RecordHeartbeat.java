package io.vfleet.inventory.application;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vfleet.security.Caller;
import io.vfleet.inventory.domain.Change;
import io.vfleet.inventory.domain.ChangeType;
import io.vfleet.inventory.domain.Node;
import io.vfleet.inventory.domain.NodeState;
import io.vfleet.inventory.domain.Revision;
import io.vfleet.inventory.domain.UnknownNode;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * An agent tells the inventory its node is alive. For a ready node that is one row update and no
 * revision; an unreachable node becomes ready again, which is a change watchers see.
 */
public final class RecordHeartbeat {
    private final Nodes nodes;
    private final ChangeLog changeLog;
    private final TransactionTemplate transactions;
    private final CommittedRevision committedRevision;
    private final Clock clock;
    private final Duration heartbeatTimeout;
    private final Counter heartbeats;

    /**
     * What the heartbeat did.
     *
     * @param revived          the node was unreachable and is ready again
     * @param heartbeatTimeout how long the inventory waits for the next heartbeat before it marks the node
     *                         unreachable; agents heartbeat well within it
     */
    public record Receipt(boolean revived, Duration heartbeatTimeout) {
    }

    public RecordHeartbeat(RegisterNode.Collaborators collaborators, Clock clock, Duration heartbeatTimeout, MeterRegistry meters) {
        this.nodes = collaborators.nodes();
        this.changeLog = collaborators.changeLog();
        this.transactions = collaborators.transactions();
        this.committedRevision = collaborators.committedRevision();
        this.clock = clock;
        this.heartbeatTimeout = heartbeatTimeout;
        this.heartbeats = meters.counter("vfleet.inventory.heartbeats");
    }

    /** How long the inventory waits for a node's next heartbeat before marking it unreachable. */
    public Duration heartbeatTimeout() {
        return heartbeatTimeout;
    }

    public Receipt heartbeat(Caller caller, String node) {
        caller.requireAgentOf(node);
        heartbeats.increment();
        Instant now = clock.instant();
        if (Boolean.TRUE.equals(transactions.execute(status -> nodes.recordHeartbeatOfReady(node, now)))) {
            return new Receipt(false, heartbeatTimeout);
        }
        Revision revived = transactions.execute(status -> revive(node, now));
        if (revived != null) {
            committedRevision.committed(revived);
        }
        return new Receipt(revived != null, heartbeatTimeout);
    }

    /** The node's new revision, or null when it turned out ready after all (a registration got there first). */
    private Revision revive(String name, Instant now) {
        Node known = nodes.lock(name).orElseThrow(() -> new UnknownNode(name));
        if (known.state() == NodeState.READY) {
            nodes.save(known.heardFromAt(now), List.of());
            return null;
        }
        Revision revision = changeLog.advance();
        Node ready = known.withState(NodeState.READY, revision).heardFromAt(now);
        nodes.save(ready, List.of());
        changeLog.append(List.of(new Change.NodeChanged(ChangeType.MODIFIED, ready)), now);
        return revision;
    }
}
