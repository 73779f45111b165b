package io.vfleet.assignment.application;

import io.vfleet.assignment.application.port.Assignments;
import io.vfleet.assignment.application.port.AuditLog;
import io.vfleet.assignment.application.port.FencingEpochs;
import io.vfleet.assignment.application.port.NodeAgents;
import io.vfleet.assignment.domain.Assignment;
import io.vfleet.assignment.domain.AssignmentRefused;
import io.vfleet.assignment.domain.AssignmentState;
import io.vfleet.assignment.domain.AuditEvent;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.springframework.transaction.support.TransactionOperations;

/**
 * Makes the database and a node's agent agree, after a crash, an agent restart, or a lost answer:
 * it compares the unfinished assignments of the node with the agent's {@code ListPrepared} and
 * finishes or rolls back each, then releases what the agent holds for no live assignment. Every
 * repair is an audit event.
 *
 * <p>Assignments changed within {@link #SETTLING} are left alone: another request may be between
 * two of its steps right now, and its own next step will finish it.
 */
public final class ReconcileNode {

    /** How long an unfinished step is given before reconciliation takes it over. */
    public static final Duration SETTLING = Duration.ofSeconds(30);

    /** Later than any change: the store's timestamps end long before {@link Instant#MAX}. */
    private static final Instant EVERYTHING = Instant.parse("9999-12-31T00:00:00Z");

    private final TransactionOperations transactions;
    private final Assignments assignments;
    private final FencingEpochs epochs;
    private final NodeAgents agents;
    private final AuditLog audit;
    private final ReleaseAssignment release;
    private final Transitions transitions;

    /** What reconciliation did on a node; {@code reachable} false means it could do nothing. */
    public record Report(String node, boolean reachable, List<String> repairs) {}

    public ReconcileNode(TransactionOperations transactions, ReleaseAssignment.Ports ports, ReleaseAssignment release) {
        this.transactions = transactions;
        this.assignments = ports.assignments();
        this.epochs = ports.epochs();
        this.agents = ports.agents();
        this.audit = ports.audit();
        this.release = release;
        this.transitions = new Transitions(assignments, audit);
    }

    public Report reconcile(String node) {
        return reconcile(node, Instant.now().minus(SETTLING));
    }

    /** Reconciles what last changed before {@code settledBefore}; tests pass the present. */
    public Report reconcile(String node, Instant settledBefore) {
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
            try {
                converge(assignment, onAgent).ifPresent(repaired -> {
                    repairs.add(repaired);
                    repair(node, assignment.bdfs(), assignment.id(), repaired);
                });
            } catch (AssignmentRefused | Conflict stillStuck) {
                repairs.add(assignment.id() + ": still unfinished, " + stillStuck.getMessage());
            }
        }
        Set<String> live = new HashSet<>();
        transactions.executeWithoutResult(status -> assignments.unfinishedOn(node, EVERYTHING)
                .forEach(assignment -> live.add(assignment.id())));
        for (NodeAgents.Prepared orphan : prepared.values()) {
            if (!live.contains(orphan.assignmentId())) {
                repairs.add(releaseOrphan(node, orphan));
            }
        }
        List<String> unfenced = transactions.execute(status -> assignments.unfenceAbandoned(node, settledBefore));
        if (!unfenced.isEmpty()) {
            repairs.add("lifted fences of an abandoned hot reset: " + unfenced);
            repair(node, unfenced, null, "lifted the fences of a hot reset that never finished");
        }
        return new Report(node, true, repairs);
    }

    private java.util.Optional<String> converge(Assignment assignment, NodeAgents.Prepared onAgent) {
        String id = assignment.id();
        return switch (assignment.state()) {
            case REQUESTED -> {
                failIf(id, AssignmentState.REQUESTED, "interrupted before the agent was asked");
                yield java.util.Optional.of(id + ": REQUESTED → FAILED, the agent was never asked");
            }
            case PREPARING -> {
                if (onAgent != null) {
                    transactions.executeWithoutResult(status -> assignments.lock(id)
                            .filter(locked -> locked.state() == AssignmentState.PREPARING)
                            .ifPresent(locked -> transitions.store(locked.activated(onAgent.preparation()))));
                    yield java.util.Optional.of(id + ": PREPARING → ACTIVE, the agent had prepared it");
                }
                failIf(id, AssignmentState.PREPARING, "interrupted while preparing; the agent holds nothing");
                yield java.util.Optional.of(id + ": PREPARING → FAILED, the agent holds nothing");
            }
            case ACTIVE -> {
                if (onAgent != null) {
                    yield java.util.Optional.empty();
                }
                release.complete(id);
                yield java.util.Optional.of(id + ": ACTIVE but the agent no longer holds it → RELEASED");
            }
            case RELEASING, RESETTING -> {
                release.complete(id);
                yield java.util.Optional.of(id + ": " + assignment.state() + " → RELEASED, finished the release");
            }
            case RELEASED, FAILED -> java.util.Optional.empty();
        };
    }

    private void failIf(String id, AssignmentState expected, String reason) {
        transactions.executeWithoutResult(status -> assignments.lock(id)
                .filter(locked -> locked.state() == expected)
                .ifPresent(locked -> transitions.store(locked.failed(reason))));
    }

    private String releaseOrphan(String node, NodeAgents.Prepared orphan) {
        long epoch = transactions.execute(status -> epochs.next(node));
        try {
            agents.release(node, new NodeAgents.ReleaseCall(orphan.assignmentId(), true, epoch));
        } catch (NodeAgents.AgentUnreachable | NodeAgents.AgentRefused failed) {
            return orphan.assignmentId() + ": held by the agent for no live assignment, release failed: "
                    + failed.getMessage();
        }
        List<String> devices = orphan.preparation().devices().stream().map(device -> device.bdf()).toList();
        repair(node, devices, orphan.assignmentId(), "released what the agent held for no live assignment");
        return orphan.assignmentId() + ": released on the agent, no live assignment owns it";
    }

    private void repair(String node, List<String> devices, String assignmentId, String detail) {
        transactions.executeWithoutResult(status -> audit.append(new AuditEvent(0, Instant.now(),
                AuditEvent.Kind.RECONCILE_REPAIR, null, node, devices, assignmentId, detail)));
    }
}
