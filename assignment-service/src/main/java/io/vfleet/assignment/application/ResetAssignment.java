package io.vfleet.assignment.application;

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
import java.util.logging.Logger;
import org.springframework.transaction.support.TransactionOperations;

/**
 * Hot-resets a device of an ACTIVE assignment: check reset-set safety and fence the set's free
 * members (one transaction), ask the agent to reset (no transaction), lift the fences (another).
 *
 * <p>The fences are holds like an owner's, so the same unique index that settles assignment races
 * keeps a fenced device from being reserved during the reset, and a reservation that won first
 * makes the fence fail, which refuses the reset.
 */
public final class ResetAssignment {

    private static final Logger log = Logger.getLogger(ResetAssignment.class.getName());

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
                log.info(() -> "hot reset on node " + outcome.assignment().node() + " reached " + outcome.affected());
                return outcome;
            } catch (AssignmentRefused refused) {
                telemetry.refused(refused.violations());
                log.info(() -> "hot reset refused: " + refused.getMessage());
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
                    new NodeAgents.HotResetCall(id, target, started.epoch()));
        } catch (NodeAgents.AgentUnreachable unreachable) {
            finish(started.assignment(), "failed: " + unreachable.getMessage(), List.of(), caller.principal());
            throw new AssignmentRefused(List.of(new Violation(Violation.Rule.NODE_UNREACHABLE, target,
                    unreachable.getMessage())), id);
        } catch (NodeAgents.AgentRefused refused) {
            finish(started.assignment(), "refused by the agent: " + refused.reason(), List.of(), caller.principal());
            throw new AssignmentRefused(List.of(new Violation(Violation.Rule.RESET_SET,
                    refused.device() == null ? target : refused.device(),
                    "the agent refused the hot reset: " + refused.reason() + " " + refused.getMessage())), id);
        }
        finish(started.assignment(), "reached " + affected.size() + " function(s)", affected, caller.principal());
        return new Outcome(started.assignment(), affected);
    }

    private record Started(Assignment assignment, long epoch) {}

    private Started fence(String id, String device, String principal) {
        Assignment locked = assignments.lock(id).orElseThrow(() -> new NotFound("no assignment " + id));
        if (locked.state() != AssignmentState.ACTIVE) {
            throw new Conflict(Conflict.Reason.WRONG_STATE, "only an ACTIVE assignment can be reset; " + id + " is " + locked.state());
        }
        NodeTopology topology = topologies.find(locked.node())
                .orElseThrow(() -> new Conflict(Conflict.Reason.WRONG_STATE, "node " + locked.node() + " is no longer in the topology"));
        NodeState state = assignments.nodeState(topology);
        List<Violation> violations = ResetSetSafety.check(locked.tenant(), device, state);
        if (!violations.isEmpty()) {
            throw new AssignmentRefused(violations, id);
        }
        List<String> fenced = ResetSetSafety.membersToFence(device, state);
        if (!assignments.fence(locked, fenced)) {
            throw new AssignmentRefused(List.of(new Violation(Violation.Rule.RESET_SET, device,
                    "a free member of the reset set of " + device + " was taken while fencing it")), id);
        }
        long epoch = epochs.next(locked.node());
        audit.append(new AuditEvent(0, Instant.now(), principal, AuditEvent.Kind.RESET_STARTED, locked.tenant(), locked.node(),
                fenced, id, "hot reset of " + device + " fences " + fenced.size() + " free function(s)"));
        return new Started(locked, epoch);
    }

    private void finish(Assignment assignment, String detail, List<String> affected, String principal) {
        transactions.executeWithoutResult(status -> {
            assignments.unfence(assignment.id());
            audit.append(new AuditEvent(0, Instant.now(), principal, AuditEvent.Kind.RESET_FINISHED, assignment.tenant(),
                    assignment.node(), affected, assignment.id(), detail));
        });
    }
}
