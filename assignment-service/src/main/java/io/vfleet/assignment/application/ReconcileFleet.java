package io.vfleet.assignment.application;

import io.vfleet.assignment.application.port.Topologies;
import io.vfleet.assignment.domain.NodeTopology;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.Semaphore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs {@link ReconcileNode} where it is due: on a node as soon as the service knows it (the first
 * inventory list that has it, a statically configured agent at start), on a node whose agent came
 * back, and on every known node periodically.
 *
 * <p>Asking never waits: each node is reconciled on the executor, at most {@code parallelism} nodes
 * at once, so that one slow or silent agent holds up neither the caller (the inventory feed) nor
 * the other nodes, at any fleet size. A node is reconciled by one run at a time in this replica; a
 * node asked for again while its run goes is run once more after it, so nothing asked is lost and
 * nothing piles up. Runs in several replicas are safe because each step of a repair locks its
 * assignment and checks its state first.
 */
public final class ReconcileFleet {

    private static final Logger log = LoggerFactory.getLogger(ReconcileFleet.class);

    private final Topologies topologies;
    private final ReconcileNode reconcile;
    private final Executor executor;
    private final Duration settling;
    private final boolean onRegistration;
    private final Semaphore running;
    /** The nodes with a run queued or going, and whether they were asked for again meanwhile. Guarded by itself. */
    private final Map<String, Boolean> due = new HashMap<>();

    /**
     * How runs go: at most {@code parallelism} nodes at once, a step a live run of the service drives
     * is left alone for {@code settling} (see {@link ReconcileNode}), and {@code onRegistration} false
     * leaves a node whose agent registered to the other runs, if any (for a test that is the agents'
     * controller itself).
     */
    public record Settings(int parallelism, Duration settling, boolean onRegistration) {
        public static final Settings DEFAULTS = new Settings(16, ReconcileNode.SETTLING, true);

        public Settings {
            if (parallelism < 1) {
                throw new IllegalArgumentException("parallelism must be at least 1, was " + parallelism);
            }
            if (settling.isNegative()) {
                throw new IllegalArgumentException("settling must not be negative, was " + settling);
            }
        }
    }

    public ReconcileFleet(Topologies topologies, ReconcileNode reconcile, Executor executor, Settings settings) {
        this.topologies = topologies;
        this.reconcile = reconcile;
        this.executor = executor;
        this.settling = settings.settling();
        this.onRegistration = settings.onRegistration();
        this.running = new Semaphore(settings.parallelism());
    }

    /** Every node of the topology is due. */
    public void dueEverywhere() {
        for (NodeTopology node : topologies.all()) {
            due(node.node());
        }
    }

    /** Every one of these nodes is due. */
    public void dueOn(List<String> nodes) {
        nodes.forEach(this::due);
    }

    /**
     * The inventory lists the node with an agent this service has not reconciled with: the node is
     * new to it (the first list after a start included), came back, or another agent process serves
     * it. Due, unless reconciliation on registration is off.
     */
    public void agentRegistered(String node) {
        if (onRegistration) {
            due(node);
        }
    }

    /** The node is due: reconciled soon, on the executor, never in the caller's thread. */
    public void due(String node) {
        synchronized (due) {
            if (due.containsKey(node)) {
                due.put(node, Boolean.TRUE);
                return;
            }
            due.put(node, Boolean.FALSE);
        }
        executor.execute(() -> runWhileDue(node));
    }

    private void runWhileDue(String node) {
        while (true) {
            running.acquireUninterruptibly();
            try {
                reconcileLogged(node);
            } finally {
                running.release();
            }
            synchronized (due) {
                if (!due.get(node)) {
                    due.remove(node);
                    return;
                }
                due.put(node, Boolean.FALSE);
            }
        }
    }

    private void reconcileLogged(String node) {
        try {
            ReconcileNode.Report report = reconcile.reconcile(node, Instant.now().minus(settling));
            if (!report.reachable()) {
                log.atDebug().log(() -> "reconciliation of " + node + " skipped: its agent cannot be reached");
            } else if (!report.repairs().isEmpty()) {
                log.atInfo().log(() -> "reconciled " + node + ": " + report.repairs());
            }
        } catch (RuntimeException failed) {
            // One node's failure (its database rows, an agent's odd answer) must not stop the others'.
            log.warn("reconciliation of {} failed", node, failed);
        }
    }
}
