package io.vfleet.assignment.application;

import io.vfleet.security.Caller;
import io.vfleet.assignment.application.port.Assignments;
import io.vfleet.assignment.application.port.AuditLog;
import io.vfleet.assignment.application.port.FencingEpochs;
import io.vfleet.assignment.application.port.NodeAgents;
import io.vfleet.assignment.application.port.Telemetry;
import io.vfleet.assignment.application.port.Topologies;
import io.vfleet.assignment.domain.AssignedDevice;
import io.vfleet.assignment.domain.Assignment;
import io.vfleet.assignment.domain.AssignmentRefused;
import io.vfleet.assignment.domain.AssignmentState;
import io.vfleet.assignment.domain.AuditEvent;
import io.vfleet.assignment.domain.NodeState;
import io.vfleet.assignment.domain.NodeTopology;
import io.vfleet.assignment.domain.ResetSetSafety;
import io.vfleet.assignment.domain.ScrubBetweenTenants;
import io.vfleet.assignment.domain.Violation;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.logging.Logger;
import org.springframework.transaction.support.TransactionOperations;

/**
 * Releases an assignment: RELEASING with a fresh epoch (stored), the agent detaches, scrub-resets
 * and closes everything (no transaction), RESETTING with what the agent reset (stored), then
 * RELEASED, which frees the devices, with the scrub bookkeeping of the reset sets (stored).
 *
 * <p>The scrub of a device without a function reset: the kernel resets it only with its whole reset
 * set, for the one iommufd context that owns all of it. So when such a device's set is otherwise free
 * or the leaving assignment's own, the RELEASING transaction fences the set's free members (as a hot
 * reset does, {@link ResetAssignment}) and the agent resets the set before the VM's process exits, with
 * those members bound to the assignment's iommufd for that time; the agent reports the devices it
 * scrubbed that way, and their fences are lifted with RESETTING. A set that another assignment holds
 * part of, or that the host keeps part of, is not touched: its devices stay pending, usable again only
 * by the tenant that left them, until the kernel resets the set when its last member closes
 * ({@link ScrubBetweenTenants}). A release that fails or cannot reach the agent lifts its fences too, and
 * fences again when it is finished.
 *
 * <p>Idempotent: releasing a RELEASED or FAILED assignment answers it as it is, and a release
 * interrupted anywhere is finished by calling {@link #complete} again, which is what reconciliation does.
 */
public final class ReleaseAssignment {

    private static final Logger log = Logger.getLogger(ReleaseAssignment.class.getName());

    private final TransactionOperations transactions;
    private final Assignments assignments;
    private final Topologies topologies;
    private final FencingEpochs epochs;
    private final NodeAgents agents;
    private final AuditLog audit;
    private final Transitions transitions;
    private final Telemetry telemetry;

    /** The stores and the agents this use case works with, and where it reports. */
    public record Ports(Assignments assignments, Topologies topologies, FencingEpochs epochs, NodeAgents agents,
            AuditLog audit, Telemetry telemetry) {}

    public ReleaseAssignment(TransactionOperations transactions, Ports ports) {
        this.transactions = transactions;
        this.assignments = ports.assignments();
        this.topologies = ports.topologies();
        this.epochs = ports.epochs();
        this.agents = ports.agents();
        this.audit = ports.audit();
        this.transitions = new Transitions(assignments, audit);
        this.telemetry = ports.telemetry();
    }

    public Assignment release(Caller caller, String id) {
        Assignment assignment = assignments.find(id).filter(found -> caller.sees(found.tenant()))
                .orElseThrow(() -> new NotFound("no assignment " + id));
        caller.requireToChange(assignment.tenant());
        return complete(id, caller.principal());
    }

    /**
     * Takes the release from wherever it stands to RELEASED (or leaves a finished assignment as it
     * is), on behalf of {@code principal}.
     */
    public Assignment complete(String id, String principal) {
        try (Telemetry.Scope scope = telemetry.operation(id)) {
            try {
                Assignment released = completeInScope(id, principal);
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

    private Assignment completeInScope(String id, String principal) {
        Step step = transactions.execute(status -> {
            Assignment locked = assignments.lock(id).orElseThrow(() -> new NotFound("no assignment " + id));
            return switch (locked.state()) {
                case RELEASED, FAILED -> new Step(locked, 0, List.of());
                // Nothing went to the agent yet, so there is nothing to undo there.
                case REQUESTED -> new Step(transitions.store(locked.failed("released before it was prepared"), principal), 0,
                        List.of());
                case RESETTING -> new Step(locked, 0, List.of());
                case PREPARING, ACTIVE, RELEASING -> {
                    // Holds, then the epoch: every transaction takes them in this order, or two of them
                    // can wait for each other.
                    List<String> fenced = fenceForScrub(locked);
                    long epoch = epochs.next(locked.node());
                    Assignment releasing = locked.state() == AssignmentState.RELEASING
                            ? locked : transitions.store(locked.to(AssignmentState.RELEASING), principal);
                    if (!fenced.isEmpty()) {
                        audit.append(new AuditEvent(0, Instant.now(), principal, AuditEvent.Kind.RESET_STARTED,
                                locked.tenant(), locked.node(), fenced, id, "the scrub of the release fences "
                                        + fenced.size() + " free function(s) to reset their set"));
                    }
                    yield new Step(releasing, epoch, fenced);
                }
            };
        });
        Assignment assignment = step.assignment();
        if (assignment.state().isTerminal()) {
            return assignment;
        }
        // Without the agent's answer (a crash after RESETTING was stored), every device counts as
        // left to its set's reset: pending scrub is the safe side.
        List<String> leftToSetReset = assignment.bdfs();
        if (assignment.state() == AssignmentState.RELEASING) {
            NodeAgents.Released released = callAgent(assignment, step.epoch(), step.fenced());
            if (released.released()) {
                leftToSetReset = released.leftToSetReset();
            }
            String detail = "function reset: " + released.functionReset() + "; set reset: " + released.setReset()
                    + "; left to the set reset: " + leftToSetReset;
            transactions.executeWithoutResult(status -> assignments.lock(id)
                    .filter(locked -> locked.state() == AssignmentState.RELEASING)
                    .ifPresent(locked -> {
                        assignments.unfence(id);
                        Assignment resetting = locked.to(AssignmentState.RESETTING);
                        assignments.update(resetting);
                        audit.append(AuditEvent.of(principal, AuditEvent.Kind.ASSIGNMENT_STATE, resetting,
                                AssignmentState.RESETTING.name() + ": " + detail));
                    }));
        }
        List<String> unscrubbed = leftToSetReset;
        return transactions.execute(status -> {
            Assignment locked = assignments.lock(id).orElseThrow();
            if (locked.state() != AssignmentState.RESETTING) {
                return locked;
            }
            assignments.unfence(id);
            Assignment released = assignments.update(locked.to(AssignmentState.RELEASED));
            settleScrubs(released, unscrubbed, principal);
            audit.append(AuditEvent.of(principal, AuditEvent.Kind.ASSIGNMENT_STATE, released, AssignmentState.RELEASED.name()));
            return released;
        });
    }

    private record Step(Assignment assignment, long epoch, List<String> fenced) {}

    /**
     * Fences the free members of each reset set whose devices of the assignment may have no function
     * reset (the agent said so, or never said), when reset-set safety lets the assignment reset that
     * set; the members fenced, or none when one was taken meanwhile. Fences a failed attempt left are
     * lifted first.
     */
    private List<String> fenceForScrub(Assignment leaving) {
        assignments.unfence(leaving.id());
        NodeTopology topology = topologies.find(leaving.node()).orElse(null);
        if (topology == null) {
            return List.of();
        }
        NodeState state = assignments.nodeState(topology);
        Set<String> sets = new HashSet<>();
        Set<String> members = new TreeSet<>();
        for (AssignedDevice device : leaving.devices()) {
            if (Boolean.TRUE.equals(device.functionReset()) || topology.device(device.bdf()).isEmpty()
                    || !sets.add(device.resetSet())) {
                continue;
            }
            if (ResetSetSafety.check(leaving, device.bdf(), state).isEmpty()) {
                members.addAll(ResetSetSafety.membersToFence(device.bdf(), state));
            }
        }
        List<String> fenced = List.copyOf(members);
        return assignments.fence(leaving, fenced) ? fenced : List.of();
    }

    private NodeAgents.Released callAgent(Assignment assignment, long epoch, List<String> fenced) {
        try {
            return agents.release(assignment.node(), new NodeAgents.ReleaseCall(assignment.id(), true, epoch, fenced));
        } catch (NodeAgents.AgentUnreachable unreachable) {
            liftFences(assignment.id(), fenced);
            throw new AssignmentRefused(List.of(new Violation(Violation.Rule.NODE_UNREACHABLE, null,
                    unreachable.getMessage() + "; the release stays RELEASING and is finished by reconciliation")),
                    assignment.id());
        } catch (NodeAgents.AgentRefused refused) {
            liftFences(assignment.id(), fenced);
            throw AgentRefusals.outcome(AgentRefusals.Operation.RELEASE, refused, assignment.id(), assignment.node(), null);
        }
    }

    /** The agent serialises its node operations, so fences can go as soon as its call has ended, however it ended. */
    private void liftFences(String id, List<String> fenced) {
        if (!fenced.isEmpty()) {
            transactions.executeWithoutResult(status -> assignments.unfence(id));
        }
    }

    /**
     * Devices without a function reset are scrubbed by the kernel only once their whole reset set
     * has closed: until then they wait for it, and any device that was waiting on a set this
     * release closed is scrubbed now.
     */
    private void settleScrubs(Assignment released, List<String> leftToSetReset, String principal) {
        NodeTopology topology = topologies.find(released.node()).orElse(null);
        if (topology == null) {
            assignments.markScrubPending(released.node(), tenantOf(released, leftToSetReset));
            return;
        }
        NodeState after = assignments.nodeState(topology);
        assignments.markScrubPending(released.node(),
                ScrubBetweenTenants.pendingAfterRelease(released.tenant(), leftToSetReset, after));
        Set<String> scrubbed = ScrubBetweenTenants.scrubbedNow(assignments.nodeState(topology));
        if (!scrubbed.isEmpty()) {
            assignments.clearScrubPending(released.node(), scrubbed);
            audit.append(new AuditEvent(0, Instant.now(), principal, AuditEvent.Kind.DEVICE_SCRUBBED, null,
                    released.node(), List.copyOf(scrubbed), released.id(), "their reset set closed"));
        }
    }

    private static Map<String, String> tenantOf(Assignment released, List<String> devices) {
        Map<String, String> pending = new java.util.LinkedHashMap<>();
        devices.forEach(device -> pending.put(device, released.tenant()));
        return pending;
    }
}
