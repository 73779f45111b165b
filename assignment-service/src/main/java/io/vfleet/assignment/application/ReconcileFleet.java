package io.vfleet.assignment.application;

import io.vfleet.assignment.application.port.Topologies;
import io.vfleet.assignment.domain.NodeTopology;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Runs {@link ReconcileNode} where it is due: on every known node (on start and periodically), and
 * on one node whose agent registered again (it may have restarted and lost or kept work).
 *
 * <p>Every run goes through one executor, so that a node is reconciled by one run at a time in this
 * replica; runs in several replicas are safe because each step of a repair locks its assignment and
 * checks its state first.
 */
public final class ReconcileFleet {

    private static final Logger log = Logger.getLogger(ReconcileFleet.class.getName());

    private final Topologies topologies;
    private final ReconcileNode reconcile;
    private final Executor executor;
    private final boolean onRegistration;

    public ReconcileFleet(Topologies topologies, ReconcileNode reconcile, Executor executor) {
        this(topologies, reconcile, executor, true);
    }

    /** {@code onRegistration} false leaves a re-registered node to the periodic runs, if any. */
    public ReconcileFleet(Topologies topologies, ReconcileNode reconcile, Executor executor, boolean onRegistration) {
        this.topologies = topologies;
        this.reconcile = reconcile;
        this.executor = executor;
        this.onRegistration = onRegistration;
    }

    /** Reconciles every node of the topology, one after the other, in the calling thread. */
    public List<ReconcileNode.Report> reconcileAll() {
        List<ReconcileNode.Report> reports = new ArrayList<>();
        for (NodeTopology node : topologies.all()) {
            reports.add(reconcileLogged(node.node()));
        }
        return reports;
    }

    /** The node's agent registered again: reconcile it soon, on the executor, not in the caller's thread. */
    public void agentReregistered(String node) {
        if (!onRegistration) {
            return;
        }
        executor.execute(() -> reconcileLogged(node));
    }

    private ReconcileNode.Report reconcileLogged(String node) {
        try {
            ReconcileNode.Report report = reconcile.reconcile(node);
            if (!report.reachable()) {
                log.fine(() -> "reconciliation of " + node + " skipped: its agent cannot be reached");
            } else if (!report.repairs().isEmpty()) {
                log.info(() -> "reconciled " + node + ": " + report.repairs());
            }
            return report;
        } catch (RuntimeException failed) {
            // One node's failure (its database rows, an agent's odd answer) must not stop the others'.
            log.log(Level.WARNING, "reconciliation of " + node + " failed", failed);
            return new ReconcileNode.Report(node, false, List.of("failed: " + failed.getMessage()));
        }
    }
}
