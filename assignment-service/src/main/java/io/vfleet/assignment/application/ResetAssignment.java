package io.vfleet.assignment.application;

import io.vfleet.security.Caller;
import io.vfleet.assignment.application.port.Assignments;
import io.vfleet.assignment.application.port.AuditLog;
import io.vfleet.assignment.application.port.FencingEpochs;
import io.vfleet.assignment.application.port.NodeAgents;
import io.vfleet.assignment.application.port.Telemetry;
import io.vfleet.assignment.application.port.Topologies;
import io.vfleet.assignment.domain.Assignment;
import io.vfleet.assignment.domain.AssignmentRefused;
import io.vfleet.assignment.domain.AssignmentState;
import io.vfleet.assignment.domain.AuditEvent;
import io.vfleet.assignment.domain.NodeState;
import io.vfleet.assignment.domain.NodeTopology;
import io.vfleet.assignment.domain.ResetSetSafety;
import io.vfleet.assignment.domain.Violation;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.transaction.support.TransactionOperations;

/**
 * Hot-resets a device of an ACTIVE assignment, and with it every function of its reset set (vfio-pci's
 * dev_set): the node's kernel resets a set only for the one iommufd context that owns all of it.
 *
 * <p>The protocol. The service is the authority on who may touch a device; the agent carries out what
 * it decided, and nothing remote happens inside a transaction:
 * <ol>
 *   <li>One transaction: lock the assignment, check reset-set safety against the holds the database
 *       has now ({@link ResetSetSafety}: a member another assignment holds, the same tenant's included,
 *       one the host keeps, or one another reset fences, refuses it, RESET_SET), fence the set's free
 *       members, take a fresh epoch and record RESET_STARTED. Fences are holds like an owner's, under
 *       the same unique index on held devices: a reservation that committed a member first leaves the
 *       fence nothing to insert and the reset is refused, RESET_SET, with nothing fenced; one that
 *       comes later finds the member held and is refused, DEVICE_BUSY, with nothing stored. So no
 *       tenant is ever given a fenced device.</li>
 *   <li>No transaction: the agent is told exactly which members are fenced; it binds those, and only
 *       those, to the assignment's iommufd in the assignment's VM process, resets the set with the
 *       zero-length VFIO_DEVICE_PCI_HOT_RESET, and closes them again, all or nothing, and answers once
 *       that is on disk. Afterwards they are unbound and free on the node as they were.</li>
 *   <li>One transaction: lift the fences and record RESET_FINISHED; the reset reached every member of
 *       the set, so whatever of it awaited a scrub is scrubbed.</li>
 * </ol>
 * When the agent cannot be reached, the fences are lifted at once: the agent serialises its node
 * operations, so no prepare of a fenced member reaches the kernel before the reset is done with it,
 * and an agent that restarts closes what a cut-short reset left open before it serves anyone. A crash
 * of this service between the steps leaves fences that reconciliation lifts once they have settled.
 */
public final class ResetAssignment {

    private static final Logger log = LoggerFactory.getLogger(ResetAssignment.class);

    private final TransactionOperations transactions;
    private final Assignments assignments;
    private final Topologies topologies;
    private final FencingEpochs epochs;
    private final NodeAgents agents;
    private final AuditLog audit;
    private final Telemetry telemetry;

    /** What a reset reached. */
    public record Outcome(Assignment assignment, List<String> affected) {}

    public ResetAssignment(TransactionOperations transactions, ReleaseAssignment.Ports ports) {
        this.transactions = transactions;
        this.assignments = ports.assignments();
        this.topologies = ports.topologies();
        this.epochs = ports.epochs();
        this.agents = ports.agents();
        this.audit = ports.audit();
        this.telemetry = ports.telemetry();
    }

    /** Resets {@code device} (the assignment's first device when null) and the rest of its reset set. */
    public Outcome reset(Caller caller, String id, String device) {
        try (Telemetry.Scope scope = telemetry.operation(id)) {
            try {
                Outcome outcome = resetInScope(caller, id, device);
                log.atInfo().log(() -> "hot reset on node " + outcome.assignment().node() + " reached " + outcome.affected());
                return outcome;
            } catch (AssignmentRefused refused) {
                telemetry.refused(refused.violations());
                log.atInfo().log(() -> "hot reset refused: " + refused.getMessage());
                throw refused;
            }
        }
    }

    private Outcome resetInScope(Caller caller, String id, String device) {
        Assignment visible = assignments.find(id).filter(found -> caller.sees(found.tenant()))
                .orElseThrow(() -> new NotFound("no assignment " + id));
        caller.requireToChange(visible.tenant());
        String target = device == null ? visible.bdfs().getFirst() : device;
        if (!visible.bdfs().contains(target)) {
            throw new InvalidRequest("device", target + " is not a device of assignment " + id);
        }
        Started started = transactions.execute(status -> fence(id, target, caller.principal()));
        List<String> affected;
        try {
            affected = agents.hotReset(started.assignment().node(),
                    new NodeAgents.HotResetCall(id, target, started.epoch(), started.fenced(), started.term()));
        } catch (NodeAgents.AgentUnreachable unreachable) {
            finish(started.assignment(), "failed: " + unreachable.getMessage(), List.of(), caller.principal());
            throw new AssignmentRefused(List.of(new Violation(Violation.Rule.NODE_UNREACHABLE, target,
                    unreachable.getMessage())), id);
        } catch (NodeAgents.AgentRefused refused) {
            finish(started.assignment(), "refused by the agent: " + refused.answer(), List.of(), caller.principal());
            throw AgentRefusals.outcome(AgentRefusals.Operation.HOT_RESET, refused, id, started.assignment().node(), target);
        }
        finish(started.assignment(), "reached " + affected.size() + " function(s)", affected, caller.principal());
        return new Outcome(started.assignment(), affected);
    }

    private record Started(Assignment assignment, long epoch, long term, List<String> fenced) {}

    private Started fence(String id, String device, String principal) {
        Assignment locked = assignments.lock(id).orElseThrow(() -> new NotFound("no assignment " + id));
        if (locked.state() != AssignmentState.ACTIVE) {
            throw new Conflict(Conflict.Reason.WRONG_STATE, "only an ACTIVE assignment can be reset; " + id + " is " + locked.state());
        }
        NodeTopology topology = topologies.find(locked.node())
                .orElseThrow(() -> new Conflict(Conflict.Reason.WRONG_STATE, "node " + locked.node() + " is no longer in the topology"));
        NodeState state = assignments.nodeState(topology);
        List<Violation> violations = ResetSetSafety.check(locked, device, state);
        if (!violations.isEmpty()) {
            throw new AssignmentRefused(violations, id);
        }
        List<String> fenced = ResetSetSafety.membersToFence(device, state);
        if (!assignments.fence(locked, fenced)) {
            throw new AssignmentRefused(List.of(new Violation(Violation.Rule.RESET_SET, device,
                    "a free member of the reset set of " + device + " was taken while fencing it")), id);
        }
        FencingEpochs.Fence fence = epochs.fence(locked.node());
        audit.append(new AuditEvent(0, Instant.now(), principal, AuditEvent.Kind.RESET_STARTED, locked.tenant(), locked.node(),
                fenced, id, "hot reset of " + device + " fences " + fenced.size() + " free function(s)"));
        return new Started(locked, fence.epoch(), fence.term(), fenced);
    }

    /** Lifts the fences; the devices the reset reached that awaited a scrub are scrubbed now. */
    private void finish(Assignment assignment, String detail, List<String> affected, String principal) {
        transactions.executeWithoutResult(status -> {
            assignments.unfence(assignment.id());
            Set<String> scrubbed = topologies.find(assignment.node()).map(topology -> {
                Set<String> pending = new TreeSet<>(assignments.nodeState(topology).scrubPendingFrom().keySet());
                pending.retainAll(affected);
                return pending;
            }).orElse(Set.of());
            assignments.clearScrubPending(assignment.node(), scrubbed);
            audit.append(new AuditEvent(0, Instant.now(), principal, AuditEvent.Kind.RESET_FINISHED, assignment.tenant(),
                    assignment.node(), affected, assignment.id(), detail));
            if (!scrubbed.isEmpty()) {
                audit.append(new AuditEvent(0, Instant.now(), principal, AuditEvent.Kind.DEVICE_SCRUBBED, null, assignment.node(),
                        List.copyOf(scrubbed), assignment.id(), "reset with their set by a hot reset"));
            }
        });
    }
}
