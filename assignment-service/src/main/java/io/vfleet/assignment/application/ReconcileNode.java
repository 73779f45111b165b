package io.vfleet.assignment.application;

import io.vfleet.assignment.application.port.Assignments;
import io.vfleet.assignment.application.port.AuditLog;
import io.vfleet.assignment.application.port.FencingEpochs;
import io.vfleet.assignment.application.port.NodeAgents;
import io.vfleet.assignment.application.port.NodeLocks;
import io.vfleet.assignment.application.port.Telemetry;
import io.vfleet.assignment.application.port.Tenants;
import io.vfleet.assignment.domain.Assignment;
import io.vfleet.assignment.domain.AssignmentRefused;
import io.vfleet.assignment.domain.AssignmentState;
import io.vfleet.assignment.domain.AuditEvent;
import io.vfleet.assignment.domain.TenantIoas;
import io.vfleet.assignment.domain.Violation;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.transaction.support.TransactionOperations;

/**
 * Makes the database and a node's agent agree, after a crash, an agent restart, or a lost answer:
 * it compares the unfinished assignments of the node with the agent's {@code ListPrepared} and
 * finishes or rolls back each, then releases what the agent holds for no live assignment. Every
 * repair is an audit event, by {@link AuditEvent#RECONCILER}.
 *
 * <p>A step that a live run of the service is driving is left alone until it has stood for
 * {@link #SETTLING}: the request may be between two of its steps right now, and its own next step
 * will finish it. A step whose run has died (the store knows which run stored it, and whether that
 * run still lives) is taken over at once, so that a restarted service repairs what its predecessor
 * left as soon as it reconciles the node, not a settling time later. Before a prepare the agent does
 * not hold is failed, the agent is fenced with a newer epoch, so that a Prepare still on its way from
 * the old run is refused rather than left behind.
 *
 * <p>One replica at a time reconciles a node: a run takes the node's lock ({@link NodeLocks}) and a
 * run of another replica that finds it taken leaves the node to it. A run ends by reading the node's
 * holds into this replica's fleet view, which so never stays wrong for longer than one run's interval.
 *
 * <p>A prepare finished here is finished as {@link AssignDevices} would have: the agent's answer is
 * checked for group isolation and the tenant's IOAS on the node is recorded with the activation.
 *
 * <p>Reconciling a node is controlling it: a run first takes the node's controller term
 * ({@link FencingEpochs#takeControl}), a new one when another process reconciled it last, so that the
 * agent refuses whatever that other process still has in flight rather than let it undo these repairs.
 */
public final class ReconcileNode {

    private static final Logger log = LoggerFactory.getLogger(ReconcileNode.class);

    /** How long an unfinished step is given before reconciliation takes it over. */
    public static final Duration SETTLING = Duration.ofSeconds(30);

    /** Later than any change: the store's timestamps end long before {@link Instant#MAX}. */
    private static final Instant EVERYTHING = Instant.parse("9999-12-31T00:00:00Z");

    private final TransactionOperations transactions;
    private final Assignments assignments;
    private final FencingEpochs epochs;
    private final NodeAgents agents;
    private final AuditLog audit;
    private final Tenants tenants;
    private final Telemetry telemetry;
    private final ReleaseAssignment release;
    private final Transitions transitions;
    private final NodeLocks locks;
    private final FleetView view;

    /**
     * What reconciliation did on a node; {@code reachable} false means it could do nothing, and
     * {@code elsewhere} that another replica was reconciling it at the time.
     */
    public record Report(String node, boolean reachable, List<String> repairs, boolean elsewhere) {

        public Report(String node, boolean reachable, List<String> repairs) {
            this(node, reachable, repairs, false);
        }
    }

    public ReconcileNode(TransactionOperations transactions, ReleaseAssignment.Ports ports, Tenants tenants,
            ReleaseAssignment release, NodeLocks locks) {
        this.locks = locks;
        this.view = ports.view();
        this.transactions = transactions;
        this.assignments = ports.assignments();
        this.epochs = ports.epochs();
        this.agents = ports.agents();
        this.audit = ports.audit();
        this.tenants = tenants;
        this.telemetry = ports.telemetry();
        this.release = release;
        this.transitions = new Transitions(assignments);
    }

    public Report reconcile(String node) {
        return reconcile(node, Instant.now().minus(SETTLING));
    }

    /** Reconciles what last changed before {@code settledBefore}; tests pass the present. */
    public Report reconcile(String node, Instant settledBefore) {
        Optional<NodeLocks.Held> lock = locks.tryLock("reconcile", node);
        if (lock.isEmpty()) {
            log.atDebug().log(() -> "node " + node + " is being reconciled by another replica");
            return new Report(node, true, List.of(), true);
        }
        try (NodeLocks.Held held = lock.get()) {
            Report report = reconcileHeld(node, settledBefore);
            view.topology(node).ifPresent(topology ->
                    view.refresh(transactions.execute(status -> assignments.nodeState(topology))));
            return report;
        }
    }

    /** The run itself, under the node's lock: it takes the node's controller term first. */
    private Report reconcileHeld(String node, Instant settledBefore) {
        transactions.executeWithoutResult(status -> epochs.takeControl(node));
        Map<String, NodeAgents.Prepared> prepared = new HashMap<>();
        try {
            agents.listPrepared(node).forEach(entry -> prepared.put(entry.assignmentId(), entry));
        } catch (NodeAgents.AgentUnreachable unreachable) {
            return new Report(node, false, List.of());
        }
        List<String> repairs = new ArrayList<>();
        List<Assignment> unfinished = transactions.execute(status -> assignments.unfinishedOn(node, settledBefore));
        for (Assignment assignment : unfinished) {
            NodeAgents.Prepared onAgent = prepared.get(assignment.id());
            try (Telemetry.Scope scope = telemetry.operation(assignment.id())) {
                try {
                    converge(assignment, onAgent).ifPresent(repaired -> {
                        repairs.add(repaired.detail());
                        repair(node, assignment.bdfs(), assignment.id(), repaired.detail());
                        telemetry.repaired(repaired.kind());
                        log.atInfo().log(() -> "reconciled: " + repaired.detail());
                    });
                } catch (AssignmentRefused | Conflict stillStuck) {
                    repairs.add(assignment.id() + ": still unfinished, " + stillStuck.getMessage());
                    log.atInfo().log(() -> "reconciliation left it unfinished: " + stillStuck.getMessage());
                }
            }
        }
        Set<String> live = new HashSet<>();
        transactions.executeWithoutResult(status -> assignments.unfinishedOn(node, EVERYTHING)
                .forEach(assignment -> live.add(assignment.id())));
        for (NodeAgents.Prepared orphan : prepared.values()) {
            if (!live.contains(orphan.assignmentId())) {
                try (Telemetry.Scope scope = telemetry.operation(orphan.assignmentId())) {
                    String repaired = releaseOrphan(node, orphan);
                    repairs.add(repaired);
                    log.atInfo().log(() -> "reconciled: " + repaired);
                }
            }
        }
        List<String> unfenced = transactions.execute(status -> assignments.unfenceAbandoned(node, settledBefore));
        if (!unfenced.isEmpty()) {
            repairs.add("lifted fences of an abandoned hot reset: " + unfenced);
            repair(node, unfenced, null, "lifted the fences of a hot reset that never finished");
            telemetry.repaired(Telemetry.Repair.LIFTED_FENCES);
            log.atInfo().log(() -> "reconciled node " + node + ": lifted the fences of an abandoned hot reset on " + unfenced);
        }
        return new Report(node, true, repairs);
    }

    /** A repair made, as the report and the audit log tell it and as it is counted. */
    private record Repaired(Telemetry.Repair kind, String detail) {}

    private Optional<Repaired> converge(Assignment assignment, NodeAgents.Prepared onAgent) {
        String id = assignment.id();
        return switch (assignment.state()) {
            case REQUESTED -> {
                failIf(id, AssignmentState.REQUESTED, "interrupted before the agent was asked");
                yield repaired(Telemetry.Repair.FAILED_BEFORE_PREPARE, id + ": REQUESTED → FAILED, the agent was never asked");
            }
            case PREPARING -> {
                if (onAgent != null) {
                    yield activate(assignment, onAgent);
                }
                fenceOut(assignment);
                failIf(id, AssignmentState.PREPARING, "interrupted while preparing; the agent holds nothing");
                yield repaired(Telemetry.Repair.FAILED_UNPREPARED, id + ": PREPARING → FAILED, the agent holds nothing");
            }
            case ACTIVE -> {
                if (onAgent != null) {
                    yield Optional.empty();
                }
                release.complete(id, AuditEvent.RECONCILER);
                yield repaired(Telemetry.Repair.RELEASED_LOST, id + ": ACTIVE but the agent no longer holds it → RELEASED");
            }
            case RELEASING, RESETTING -> {
                release.complete(id, AuditEvent.RECONCILER);
                yield repaired(Telemetry.Repair.FINISHED_RELEASE,
                        id + ": " + assignment.state() + " → RELEASED, finished the release");
            }
            case RELEASED, FAILED -> Optional.empty();
        };
    }

    private static Optional<Repaired> repaired(Telemetry.Repair kind, String detail) {
        return Optional.of(new Repaired(kind, detail));
    }

    /**
     * Finishes a prepare the agent completed, the way {@link AssignDevices} finishes one: an answer
     * that splits an IOMMU group is released, any other activates the assignment and records the
     * tenant's IOAS on the node, in the same transaction.
     */
    private Optional<Repaired> activate(Assignment preparing, NodeAgents.Prepared onAgent) {
        String id = preparing.id();
        List<Violation> split = TenantIoas.check(preparing.devices(), onAgent.preparation());
        if (!split.isEmpty()) {
            release.complete(id, AuditEvent.RECONCILER);
            return repaired(Telemetry.Repair.RELEASED_SPLIT_PREPARE,
                    id + ": PREPARING → RELEASED, the agent's preparation broke group isolation: " + split);
        }
        transactions.executeWithoutResult(status -> assignments.lock(id)
                .filter(locked -> locked.state() == AssignmentState.PREPARING)
                .ifPresent(locked -> {
                    Assignment active = locked.activated(onAgent.preparation());
                    tenants.recordIoas(TenantIoas.of(active, onAgent.preparation()));
                    transitions.store(active, AuditEvent.RECONCILER);
                }));
        return repaired(Telemetry.Repair.ACTIVATED, id + ": PREPARING → ACTIVE, the agent had prepared it");
    }

    /**
     * Tells the agent, with the node's term this run took and a newer epoch than the interrupted
     * prepare's, that nothing is prepared under the assignment: a Prepare still in flight is then
     * refused as stale, and one that landed since ListPrepared answered is released.
     */
    private void fenceOut(Assignment preparing) {
        FencingEpochs.Fence fenced = transactions.execute(status -> epochs.fence(preparing.node()));
        NodeAgents.ReleaseCall fence = new NodeAgents.ReleaseCall(preparing.id(), true, fenced.epoch(), List.of(), fenced.term());
        try {
            agents.release(preparing.node(), fence);
        } catch (NodeAgents.AgentUnreachable | NodeAgents.AgentRefused failed) {
            throw new Conflict(Conflict.Reason.AGENT_REFUSED, "the agent did not take the fence of "
                    + preparing.id() + ": " + failed.getMessage());
        }
    }

    private void failIf(String id, AssignmentState expected, String reason) {
        transactions.executeWithoutResult(status -> assignments.lock(id)
                .filter(locked -> locked.state() == expected)
                .ifPresent(locked -> transitions.store(locked.failed(reason), AuditEvent.RECONCILER)));
    }

    private String releaseOrphan(String node, NodeAgents.Prepared orphan) {
        FencingEpochs.Fence fence = transactions.execute(status -> epochs.fence(node));
        NodeAgents.ReleaseCall release = new NodeAgents.ReleaseCall(orphan.assignmentId(), true, fence.epoch(), List.of(), fence.term());
        try {
            agents.release(node, release);
        } catch (NodeAgents.AgentUnreachable | NodeAgents.AgentRefused failed) {
            return orphan.assignmentId() + ": held by the agent for no live assignment, release failed: "
                    + failed.getMessage();
        }
        List<String> devices = orphan.preparation().devices().stream().map(device -> device.bdf()).toList();
        repair(node, devices, orphan.assignmentId(), "released what the agent held for no live assignment");
        telemetry.repaired(Telemetry.Repair.RELEASED_ORPHAN);
        return orphan.assignmentId() + ": released on the agent, no live assignment owns it";
    }

    private void repair(String node, List<String> devices, String assignmentId, String detail) {
        transactions.executeWithoutResult(status -> audit.append(new AuditEvent(0, Instant.now(),
                AuditEvent.RECONCILER, AuditEvent.Kind.RECONCILE_REPAIR, null, node, devices, assignmentId, detail)));
    }
}
