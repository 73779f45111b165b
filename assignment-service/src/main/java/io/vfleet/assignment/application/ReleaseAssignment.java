package io.vfleet.assignment.application;

import io.vfleet.assignment.application.port.Assignments;
import io.vfleet.assignment.application.port.AuditLog;
import io.vfleet.assignment.application.port.FencingEpochs;
import io.vfleet.assignment.application.port.NodeAgents;
import io.vfleet.assignment.application.port.Telemetry;
import io.vfleet.assignment.application.port.Topologies;
import io.vfleet.assignment.domain.Assignment;
import io.vfleet.assignment.domain.AssignmentChange;
import io.vfleet.assignment.domain.AssignmentRefused;
import io.vfleet.assignment.domain.AssignmentState;
import io.vfleet.assignment.domain.AuditEvent;
import io.vfleet.assignment.domain.Hold;
import io.vfleet.assignment.domain.NodeState;
import io.vfleet.assignment.domain.NodeTopology;
import io.vfleet.assignment.domain.ScrubBetweenTenants;
import io.vfleet.assignment.domain.TopologyDevice;
import io.vfleet.assignment.domain.Violation;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.logging.Logger;
import org.springframework.transaction.support.TransactionOperations;

/**
 * Releases an assignment in two commits: RELEASING with a fresh epoch (stored before the agent is
 * called), the agent detaches, scrub-resets and closes everything (no transaction), then RELEASED,
 * which frees the devices, with the scrub bookkeeping of their reset sets (stored once it answered).
 *
 * <p>Idempotent: releasing a RELEASED or FAILED assignment answers it as it is, and a release
 * interrupted anywhere is finished by calling {@link #complete} again, which is what reconciliation does.
 * An assignment that an earlier version left RESETTING (the agent had answered, the bookkeeping was not
 * stored) is finished without the agent, every device counted as left to its set's reset.
 */
public final class ReleaseAssignment {

    private static final Logger log = Logger.getLogger(ReleaseAssignment.class.getName());

    private final TransactionOperations transactions;
    private final Assignments assignments;
    private final FleetView view;
    private final FencingEpochs epochs;
    private final NodeAgents agents;
    private final AuditLog audit;
    private final Transitions transitions;
    private final Telemetry telemetry;

    /** The stores and the agents this use case (and the others that repair or reset) works with, and where it reports. */
    public record Ports(Assignments assignments, Topologies topologies, FleetView view, FencingEpochs epochs,
            NodeAgents agents, AuditLog audit, Telemetry telemetry) {}

    public ReleaseAssignment(TransactionOperations transactions, Ports ports) {
        this.transactions = transactions;
        this.assignments = ports.assignments();
        this.view = ports.view();
        this.epochs = ports.epochs();
        this.agents = ports.agents();
        this.audit = ports.audit();
        this.transitions = new Transitions(assignments, audit);
        this.telemetry = ports.telemetry();
    }

    public Assignment release(Caller caller, String id) {
        return run(id, caller);
    }

    /** Takes the release from wherever it stands to RELEASED (or leaves a finished assignment as it is). */
    public Assignment complete(String id) {
        return run(id, null);
    }

    /** @param caller who asks, or null for the service's own repairs */
    private Assignment run(String id, Caller caller) {
        try (Telemetry.Scope scope = telemetry.operation(id)) {
            try {
                Assignment released = completeInScope(id, caller);
                if (released.state() == AssignmentState.RELEASED) {
                    log.info(() -> "released on node " + released.node() + ": " + released.bdfs());
                }
                return released;
            } catch (AssignmentRefused refused) {
                telemetry.refused(refused.violations());
                log.info(() -> "release unfinished: " + refused.getMessage());
                throw refused;
            }
        }
    }

    private Assignment completeInScope(String id, Caller caller) {
        Step step = telemetry.timed(Telemetry.Step.RELEASE_INTENT, () -> transactions.execute(status -> {
            Assignment locked = assignments.lock(id).filter(found -> caller == null || caller.sees(found.tenant()))
                    .orElseThrow(() -> new NotFound("no assignment " + id));
            if (caller != null) {
                caller.requireToChange(locked.tenant());
            }
            return switch (locked.state()) {
                case RELEASED, FAILED -> new Step(locked, 0);
                // Nothing went to the agent yet, so there is nothing to undo there.
                case REQUESTED -> new Step(transitions.store(locked.failed("released before it was prepared")), 0);
                case RESETTING -> new Step(locked, 0);
                case PREPARING, ACTIVE -> {
                    long epoch = epochs.next(locked.node());
                    yield new Step(transitions.store(locked.to(AssignmentState.RELEASING)), epoch);
                }
                case RELEASING -> new Step(locked, epochs.next(locked.node()));
            };
        }));
        Assignment assignment = step.assignment();
        if (assignment.state().isTerminal()) {
            return assignment;
        }
        // Without the agent's answer (left RESETTING by an earlier version), every device counts as
        // left to its set's reset: pending scrub is the safe side.
        List<String> leftToSetReset = assignment.bdfs();
        String detail = "its devices' reset was not reported; each waits for its reset set";
        if (assignment.state() == AssignmentState.RELEASING) {
            NodeAgents.Released released = callAgent(assignment, step.epoch());
            if (released.released()) {
                leftToSetReset = released.leftToSetReset();
            }
            detail = "function reset: " + released.functionReset() + "; left to the set reset: " + leftToSetReset;
        }
        List<String> unscrubbed = leftToSetReset;
        String outcome = detail;
        AssignmentState from = assignment.state();
        return telemetry.timed(Telemetry.Step.RELEASE_OUTCOME, () -> transactions.execute(status -> {
            Assignment done = assignment.to(AssignmentState.RELEASED);
            AssignmentChange.Scrubs scrubs = scrubs(done, unscrubbed);
            // Only from the state this release stored: a second release of the same assignment that
            // finished first has stored RELEASED already, with its own bookkeeping.
            return assignments.update(from, done, scrubs).map(released -> {
                audit.append(AuditEvent.of(AuditEvent.Kind.ASSIGNMENT_STATE, released,
                        AssignmentState.RELEASED.name() + ": " + outcome));
                if (!scrubs.scrubbed().isEmpty()) {
                    audit.append(new AuditEvent(0, Instant.now(), AuditEvent.Kind.DEVICE_SCRUBBED, null, released.node(),
                            scrubs.scrubbed().stream().sorted().toList(), released.id(), "their reset set closed"));
                }
                return released;
            }).orElseGet(() -> assignments.find(id).orElseThrow());
        }));
    }

    private record Step(Assignment assignment, long epoch) {}

    private NodeAgents.Released callAgent(Assignment assignment, long epoch) {
        try {
            return agents.release(assignment.node(), new NodeAgents.ReleaseCall(assignment.id(), true, epoch));
        } catch (NodeAgents.AgentUnreachable unreachable) {
            throw new AssignmentRefused(List.of(new Violation(Violation.Rule.NODE_UNREACHABLE, null,
                    unreachable.getMessage() + "; the release stays RELEASING and is finished by reconciliation")),
                    assignment.id());
        } catch (NodeAgents.AgentRefused refused) {
            throw new Conflict(Conflict.Reason.AGENT_REFUSED, "the agent of node " + assignment.node() + " refused the release: " + refused.reason()
                    + " " + refused.getMessage());
        }
    }

    /**
     * Devices without a function reset are scrubbed by the kernel only once their whole reset set
     * has closed: until then they wait for it, and any device that was waiting on a set this release
     * closes is scrubbed now. The database is read only when that can matter: a device of this release
     * left to its set's reset, or a scrub pending in one of its reset sets (as the view knows it; a
     * pending scrub the view has not heard of yet is cleared by the next release in its set).
     */
    private AssignmentChange.Scrubs scrubs(Assignment released, List<String> leftToSetReset) {
        Optional<NodeTopology> topology = view.topology(released.node());
        if (topology.isEmpty()) {
            return new AssignmentChange.Scrubs(Set.copyOf(leftToSetReset), Set.of());
        }
        if (leftToSetReset.isEmpty() && !scrubPendingInResetSetsOf(released, topology.get())) {
            return AssignmentChange.Scrubs.NONE;
        }
        NodeState before = assignments.nodeState(topology.get());
        Map<String, Hold> holds = new HashMap<>(before.holds());
        holds.values().removeIf(hold -> hold.assignmentId().equals(released.id()) && hold.kind() == Hold.Kind.OWNER);
        NodeState after = new NodeState(topology.get(), holds, before.scrubPendingFrom());
        Set<String> pending = ScrubBetweenTenants.pendingAfterRelease(released.tenant(), leftToSetReset, after).keySet();
        Map<String, String> pendingAfter = new HashMap<>(after.scrubPendingFrom());
        pending.forEach(bdf -> pendingAfter.put(bdf, released.tenant()));
        Set<String> scrubbed = ScrubBetweenTenants.scrubbedNow(new NodeState(topology.get(), holds, pendingAfter));
        return new AssignmentChange.Scrubs(pending, scrubbed);
    }

    private boolean scrubPendingInResetSetsOf(Assignment released, NodeTopology topology) {
        Map<String, String> pending = view.nodeState(released.node()).map(NodeState::scrubPendingFrom).orElse(Map.of());
        if (pending.isEmpty()) {
            return false;
        }
        Set<String> resetSets = new HashSet<>();
        released.devices().forEach(device -> resetSets.add(device.resetSet()));
        return pending.keySet().stream().map(topology::device).flatMap(Optional::stream)
                .map(TopologyDevice::resetSet).anyMatch(resetSets::contains);
    }
}
