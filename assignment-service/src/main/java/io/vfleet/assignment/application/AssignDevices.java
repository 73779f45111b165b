package io.vfleet.assignment.application;

import io.vfleet.security.Caller;
import io.vfleet.assignment.application.port.Assignments;
import io.vfleet.assignment.application.port.AuditLog;
import io.vfleet.assignment.application.port.DevicesTaken;
import io.vfleet.assignment.application.port.FencingEpochs;
import io.vfleet.assignment.application.port.IdempotencyKeys;
import io.vfleet.assignment.application.port.NodeAgents;
import io.vfleet.assignment.application.port.Telemetry;
import io.vfleet.assignment.application.port.Tenants;
import io.vfleet.assignment.application.port.Topologies;
import io.vfleet.assignment.domain.Admission;
import io.vfleet.assignment.domain.AssignedDevice;
import io.vfleet.assignment.domain.Assignment;
import io.vfleet.assignment.domain.AssignmentRefused;
import io.vfleet.assignment.domain.AssignmentState;
import io.vfleet.assignment.domain.AuditEvent;
import io.vfleet.assignment.domain.NodeState;
import io.vfleet.assignment.domain.NodeTopology;
import io.vfleet.assignment.domain.Placement;
import io.vfleet.assignment.domain.Preparation;
import io.vfleet.assignment.domain.Quotas;
import io.vfleet.assignment.domain.TenantIoas;
import io.vfleet.assignment.domain.TenantPolicy;
import io.vfleet.assignment.domain.TenantUsage;
import io.vfleet.assignment.domain.Violation;
import java.util.List;
import java.util.UUID;
import java.util.logging.Logger;
import org.springframework.transaction.support.TransactionOperations;

/**
 * Assigns devices to a tenant: decide and reserve (one transaction), mark PREPARING with a fresh
 * epoch (a second), ask the agent to prepare (no transaction), then store ACTIVE or FAILED (a third).
 *
 * <p>The reservation is where races are settled: the tenant's row lock orders its quota checks, and
 * the store's unique index on held devices lets exactly one of two concurrent reservations of a
 * device commit. The loser is refused with DEVICE_BUSY, as if it had seen the winner.
 */
public final class AssignDevices {

    private static final Logger log = Logger.getLogger(AssignDevices.class.getName());

    private final TransactionOperations transactions;
    private final Assignments assignments;
    private final Tenants tenants;
    private final Topologies topologies;
    private final IdempotencyKeys idempotencyKeys;
    private final FencingEpochs epochs;
    private final NodeAgents agents;
    private final AuditLog audit;
    private final Transitions transitions;
    private final ReleaseAssignment release;
    private final Telemetry telemetry;

    /** The stores and the agents this use case works with, and where it reports. */
    public record Ports(Assignments assignments, Tenants tenants, Topologies topologies, IdempotencyKeys idempotencyKeys,
            FencingEpochs epochs, NodeAgents agents, AuditLog audit, Telemetry telemetry) {}

    public AssignDevices(TransactionOperations transactions, Ports ports, ReleaseAssignment release) {
        this.transactions = transactions;
        this.assignments = ports.assignments();
        this.tenants = ports.tenants();
        this.topologies = ports.topologies();
        this.idempotencyKeys = ports.idempotencyKeys();
        this.epochs = ports.epochs();
        this.agents = ports.agents();
        this.audit = ports.audit();
        this.transitions = new Transitions(assignments, audit);
        this.release = release;
        this.telemetry = ports.telemetry();
    }

    /**
     * What an assign request came to: the assignment, and whether it is the earlier answer to the
     * same Idempotency-Key and request (nothing was created this time).
     */
    public record Outcome(Assignment assignment, boolean repeated) {}

    /** The assignment, ACTIVE; or the earlier answer to the same Idempotency-Key and request, as it stands now. */
    public Outcome assign(Caller caller, AssignRequest request, String idempotencyKey) {
        caller.requireToChange(request.tenant());
        // The id exists before anything is decided, so that the log lines of a refusal name it too.
        String id = UUID.randomUUID().toString();
        try (Telemetry.Scope scope = telemetry.operation(id)) {
            try {
                Reservation reservation = transactions.execute(status -> reserve(id, request, idempotencyKey, caller));
                if (reservation.repeated()) {
                    log.info(() -> "Idempotency-Key " + idempotencyKey + " answered by assignment " + reservation.assignment().id());
                    return new Outcome(reservation.assignment(), true);
                }
                Assignment active = prepare(reservation.assignment(), caller.principal());
                log.info(() -> active.state() + " on node " + active.node() + " for tenant " + active.tenant() + ": " + active.bdfs());
                return new Outcome(active, false);
            } catch (AssignmentRefused refused) {
                // Inside the scope, so that the refusal's line names the assignment too.
                telemetry.refused(refused.violations());
                log.info(() -> "refused for tenant " + request.tenant() + ": " + refused.getMessage());
                throw refused;
            }
        }
    }

    private record Reservation(Assignment assignment, boolean repeated) {}

    private Reservation reserve(String id, AssignRequest request, String idempotencyKey, Caller caller) {
        if (idempotencyKey != null) {
            var earlier = idempotencyKeys.claim(idempotencyKey, request.fingerprint(), id);
            if (earlier.isPresent()) {
                if (!earlier.get().fingerprint().equals(request.fingerprint())) {
                    throw new Conflict(Conflict.Reason.IDEMPOTENCY_KEY_REUSED, "Idempotency-Key " + idempotencyKey + " was used for another request");
                }
                return new Reservation(assignments.find(earlier.get().assignmentId())
                        .orElseThrow(() -> new AssertionError("a claimed key commits with its assignment")), true);
            }
        }
        TenantPolicy policy = tenants.lock(request.tenant());
        TenantUsage usage = assignments.usage(request.tenant());
        Target target = request.selector() == null ? named(request, policy, usage) : placed(request, policy, usage);
        NodeState node = target.node();
        List<AssignedDevice> devices = target.devices().stream()
                .map(bdf -> AssignedDevice.of(node.topology().device(bdf).orElseThrow()))
                .toList();
        Assignment reserved;
        try {
            reserved = assignments.reserve(Assignment.requested(id, request.tenant(), node.node(), devices, request.withKvm()));
        } catch (DevicesTaken taken) {
            throw new AssignmentRefused(taken.devices().stream()
                    .map(bdf -> new Violation(Violation.Rule.DEVICE_BUSY, bdf,
                            "taken on node " + node.node() + " by a concurrent assignment"))
                    .toList());
        }
        audit.append(AuditEvent.of(caller.principal(), AuditEvent.Kind.ASSIGNMENT_STATE, reserved, AssignmentState.REQUESTED.name()));
        return new Reservation(reserved, false);
    }

    /** Where the devices go: the node as read under the tenant's lock, and the devices chosen there. */
    private record Target(NodeState node, List<String> devices) {}

    private Target named(AssignRequest request, TenantPolicy policy, TenantUsage usage) {
        NodeState state = assignments.nodeState(known(request.node()));
        List<Violation> violations = Admission.check(
                new Admission.Request(request.tenant(), request.devices(), policy, usage), state);
        if (!violations.isEmpty()) {
            throw new AssignmentRefused(violations);
        }
        return new Target(state, request.devices());
    }

    private Target placed(AssignRequest request, TenantPolicy policy, TenantUsage usage) {
        List<NodeTopology> candidates = request.node() == null ? topologies.all() : List.of(known(request.node()));
        List<NodeState> states = candidates.stream().map(assignments::nodeState).toList();
        Placement.Choice choice = Placement.choose(new Placement.Request(request.tenant(), request.selector(), policy), states);
        List<Violation> overQuota = Quotas.check(policy, usage, new Quotas.Demand(choice.devices().size(), 0));
        if (!overQuota.isEmpty()) {
            throw new AssignmentRefused(overQuota);
        }
        NodeState state = states.stream().filter(candidate -> candidate.node().equals(choice.node())).findFirst()
                .orElseThrow(() -> new AssertionError("placement chooses among the given nodes"));
        return new Target(state, choice.devices());
    }

    private NodeTopology known(String node) {
        return topologies.find(node).orElseThrow(() -> AssignmentRefused.because(
                new Violation(Violation.Rule.NO_MATCHING_DEVICE, null, "no node " + node + " is known")));
    }

    private Assignment prepare(Assignment requested, String principal) {
        Step step = transactions.execute(status -> {
            Assignment locked = assignments.lock(requested.id()).orElseThrow();
            long epoch = epochs.next(locked.node());
            return new Step(transitions.store(locked.to(AssignmentState.PREPARING), principal), epoch);
        });
        Assignment preparing = step.assignment();
        Preparation preparation;
        try {
            preparation = agents.prepare(preparing.node(), new NodeAgents.PrepareCall(
                    preparing.id(), preparing.tenant(), preparing.bdfs(), preparing.withKvm(), step.epoch()));
        } catch (NodeAgents.AgentUnreachable unreachable) {
            fail(preparing.id(), "NODE_UNREACHABLE: " + unreachable.getMessage(), principal);
            throw new AssignmentRefused(List.of(new Violation(Violation.Rule.NODE_UNREACHABLE, null,
                    unreachable.getMessage())), preparing.id());
        } catch (NodeAgents.AgentRefused refused) {
            fail(preparing.id(), "the agent refused: " + refused.answer() + (refused.device() == null ? "" : " on " + refused.device()),
                    principal);
            throw AgentRefusals.outcome(AgentRefusals.Operation.PREPARE, refused, preparing.id(), preparing.node(), null);
        }
        List<Violation> split = TenantIoas.check(preparing.devices(), preparation);
        if (!split.isEmpty()) {
            release.complete(preparing.id(), principal);
            throw new AssignmentRefused(split, preparing.id());
        }
        return transactions.execute(status -> {
            Assignment locked = assignments.lock(preparing.id()).orElseThrow();
            if (locked.state() != AssignmentState.PREPARING) {
                // Released while the agent prepared: the release's newer epoch undoes the prepare.
                return locked;
            }
            Assignment active = locked.activated(preparation);
            tenants.recordIoas(TenantIoas.of(active, preparation));
            return transitions.store(active, principal);
        });
    }

    private record Step(Assignment assignment, long epoch) {}

    private void fail(String id, String reason, String principal) {
        transactions.executeWithoutResult(status -> assignments.lock(id)
                .filter(locked -> locked.state() == AssignmentState.PREPARING)
                .ifPresent(locked -> transitions.store(locked.failed(reason), principal)));
    }
}
