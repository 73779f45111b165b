package io.vfleet.assignment.application;

import io.vfleet.security.Caller;
import io.vfleet.assignment.application.port.Assignments;
import io.vfleet.assignment.application.port.DevicesTaken;
import io.vfleet.assignment.application.port.FencingEpochs;
import io.vfleet.assignment.application.port.IdempotencyKeys;
import io.vfleet.assignment.application.port.NodeAgents;
import io.vfleet.assignment.application.port.Telemetry;
import io.vfleet.assignment.application.port.Tenants;
import io.vfleet.assignment.domain.Admission;
import io.vfleet.assignment.domain.AssignedDevice;
import io.vfleet.assignment.domain.Assignment;
import io.vfleet.assignment.domain.AssignmentRefused;
import io.vfleet.assignment.domain.AssignmentState;
import io.vfleet.assignment.domain.AuditEvent;
import io.vfleet.assignment.domain.NodeState;
import io.vfleet.assignment.domain.NodeTopology;
import io.vfleet.assignment.domain.Ownership;
import io.vfleet.assignment.domain.Placement;
import io.vfleet.assignment.domain.Preparation;
import io.vfleet.assignment.domain.Quotas;
import io.vfleet.assignment.domain.ScrubBetweenTenants;
import io.vfleet.assignment.domain.TenantIoas;
import io.vfleet.assignment.domain.TenantPolicy;
import io.vfleet.assignment.domain.TenantUsage;
import io.vfleet.assignment.domain.Violation;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.transaction.support.TransactionOperations;

/**
 * Assigns devices to a tenant in two commits: the intent (PREPARING, holding the devices, with a fresh
 * fencing epoch and the node's controller term read in the same transaction), the agent's prepare
 * outside any transaction, then the outcome (ACTIVE, or FAILED).
 *
 * <p>Devices are chosen in memory, against this replica's {@link FleetView}, and reserved in the
 * database, whose unique index on held devices settles every race, between requests of this replica or
 * of several. A reservation that lost (the view was stale: another replica took the device, or a reset
 * fenced it) reads that node from the database into the view and, for a selector, chooses again, a
 * bounded number of times; named devices are refused at once with what the database says of them. A
 * refusal that rests on the view alone (busy, over quota, nothing free) is checked against the database
 * first, so a stale view never refuses what the database would allow.
 *
 * <p>The tenant's quota is counted in the database in the same transaction, by a conditional increment
 * of the tenant's row taken last, so two requests of one tenant wait on each other only for a commit.
 *
 * <p>Preparing can take a real host seconds to minutes (mapping guest memory, function resets), so the
 * work after the intent runs in the background and the caller waits for it only as long as it asked:
 * then it has the outcome (ACTIVE, or the refusal), or the PREPARING assignment, whose outcome is stored
 * when it comes and which reconciliation finishes if this replica stops first.
 */
public final class AssignDevices {

    private static final Logger log = LoggerFactory.getLogger(AssignDevices.class);

    private final TransactionOperations transactions;
    private final Assignments assignments;
    private final Tenants tenants;
    private final FleetView view;
    private final IdempotencyKeys idempotencyKeys;
    private final FencingEpochs epochs;
    private final NodeAgents agents;
    private final ReleaseAssignment release;
    private final FollowChanges follow;
    private final Telemetry telemetry;
    private final Executor background;
    private final Failpoints failpoints;

    /** The stores and the agents this use case works with, and where it reports. */
    public record Ports(Assignments assignments, Tenants tenants, IdempotencyKeys idempotencyKeys, FencingEpochs epochs,
            NodeAgents agents, Telemetry telemetry) {}

    /** @param background where prepares and their outcomes run, beyond the caller's wait */
    public AssignDevices(TransactionOperations transactions, Ports ports, FollowChanges follow, ReleaseAssignment release,
            Executor background) {
        this(transactions, ports, follow, release, background, Failpoints.OFF);
    }

    /**
     * @param background where prepares and their outcomes run, beyond the caller's wait
     * @param failpoints where crash tests hold a prepare
     */
    public AssignDevices(TransactionOperations transactions, Ports ports, FollowChanges follow, ReleaseAssignment release,
            Executor background, Failpoints failpoints) {
        this.background = background;
        this.failpoints = failpoints;
        this.transactions = transactions;
        this.assignments = ports.assignments();
        this.tenants = ports.tenants();
        this.idempotencyKeys = ports.idempotencyKeys();
        this.epochs = ports.epochs();
        this.agents = ports.agents();
        this.release = release;
        this.follow = follow;
        this.view = follow.view();
        this.telemetry = ports.telemetry();
    }

    /**
     * What an assign request came to: the assignment (ACTIVE, or PREPARING while the agent still works
     * on it), and whether it is the earlier answer to the same Idempotency-Key and request (nothing was
     * created this time).
     */
    public record Outcome(Assignment assignment, boolean repeated) {

        /** Whether the assignment reached its outcome (it is not PREPARING any more). */
        public boolean completed() {
            return assignment.state() != AssignmentState.PREPARING;
        }
    }

    /**
     * The assignment, ACTIVE, however long that takes; or the earlier answer to the caller's same
     * Idempotency-Key and request, as it stands now.
     */
    public Outcome assign(Caller caller, AssignRequest.Form form, String idempotencyKey) {
        return assign(caller, form, idempotencyKey, null);
    }

    /**
     * The assignment, ACTIVE, if it gets there within {@code wait}; else PREPARING, its prepare going on
     * in the background. A refusal within {@code wait} is thrown; one after it is stored (FAILED). The
     * form and the key are checked first: a fault anywhere changes nothing.
     *
     * @param wait how long the caller waits for the outcome, counted from now (the reservation is
     *             part of it); null for as long as it takes
     */
    public Outcome assign(Caller caller, AssignRequest.Form form, String idempotencyKey, Duration wait) {
        long waitEnds = wait == null ? 0 : System.nanoTime() + wait.toNanos();
        RequestFields fields = new RequestFields();
        String key = fields.idempotencyKey("idempotencyKey", idempotencyKey);
        AssignRequest request = AssignRequest.read(form, fields);
        fields.requireValid();
        caller.requireToChange(request.tenant());
        // The id exists before anything is decided, so that the log lines of a refusal name it too.
        String id = UUID.randomUUID().toString();
        Reservation reservation;
        try (Telemetry.Scope scope = telemetry.operation(id)) {
            try {
                reservation = reserve(id, request, key, caller.principal());
            } catch (AssignmentRefused refused) {
                throw refused(request, refused);
            }
            if (reservation.repeated()) {
                log.atInfo().log(() -> "Idempotency-Key " + key + " answered by assignment " + reservation.assignment().id());
                return new Outcome(reservation.assignment(), true);
            }
        }
        CompletableFuture<Assignment> outcome = CompletableFuture.supplyAsync(() -> outcome(request, reservation, caller.principal()), background);
        try {
            return new Outcome(wait == null ? outcome.get()
                    : outcome.get(Math.max(0, waitEnds - System.nanoTime()), TimeUnit.NANOSECONDS), false);
        } catch (TimeoutException stillPreparing) {
            return new Outcome(reservation.assignment(), false);
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
            return new Outcome(reservation.assignment(), false);
        } catch (ExecutionException failed) {
            if (failed.getCause() instanceof RuntimeException cause) {
                throw cause;
            }
            throw new IllegalStateException("the prepare of assignment " + id + " failed", failed.getCause());
        }
    }

    /** The prepare and its outcome, on a background thread; logged there, as nobody may be waiting for it. */
    private Assignment outcome(AssignRequest request, Reservation reservation, String principal) {
        try (Telemetry.Scope scope = telemetry.operation(reservation.assignment().id())) {
            try {
                Assignment active = prepare(reservation.assignment(), reservation.epoch(), reservation.term(), principal);
                log.atInfo().log(() -> active.state() + " on node " + active.node() + " for tenant " + active.tenant() + ": " + active.bdfs());
                return active;
            } catch (AssignmentRefused refused) {
                throw refused(request, refused);
            } catch (RuntimeException failed) {
                // The database went away, most likely: the assignment stays PREPARING for reconciliation.
                log.warn("the outcome of the prepare could not be stored", failed);
                throw failed;
            }
        }
    }

    /** Counts and logs a refusal, inside the scope of its assignment, so that its line names the assignment too. */
    private AssignmentRefused refused(AssignRequest request, AssignmentRefused refused) {
        telemetry.refused(refused.violations());
        log.atInfo().log(() -> "refused for tenant " + request.tenant() + ": " + refused.getMessage());
        return refused;
    }

    /**
     * The intent as committed, with the fencing its agent call carries (a fresh epoch, and the node's
     * controller term read in the same transaction); or an earlier answer to the same key.
     */
    private record Reservation(Assignment assignment, long epoch, long term, boolean repeated) {}

    /** A reservation the database refused: these devices of the node were taken since the view saw them. */
    private static final class Lost extends RuntimeException {
        final String node;
        final List<String> devices;

        Lost(String node, List<String> devices) {
            super("lost " + devices + " on node " + node, null, false, false);
            this.node = node;
            this.devices = devices;
        }
    }

    private Reservation reserve(String id, AssignRequest request, String idempotencyKey, String principal) {
        Map<String, Set<String>> lost = new HashMap<>();
        boolean caughtUp = false;
        for (int attempt = 1; ; attempt++) {
            try {
                return telemetry.timed(Telemetry.Step.ASSIGN_INTENT,
                        () -> transactions.execute(status -> reserveOnce(id, request, idempotencyKey, principal, lost)));
            } catch (Lost race) {
                view.forget(id);
                NodeState fresh = refresh(race.node);
                if (request.selector() == null) {
                    throw busy(request, fresh, race.devices);
                }
                // Every lost race is another request's committed win, and the devices lost are never chosen
                // again: choosing goes on until it wins or nothing untried is left (NO_MATCHING_DEVICE then, which
                // is the truth). A fixed number of attempts would refuse DEVICE_BUSY with free devices left,
                // which replicas choosing the same best device at once reach quickly.
                if (!lost.computeIfAbsent(race.node, ignored -> new HashSet<>()).addAll(race.devices)) {
                    throw new AssertionError("a placement chose devices it had lost before: " + race.devices);
                }
                int attempts = attempt;
                log.atDebug().log(() -> "reservation lost " + race.devices + " on node " + race.node + " (attempt " + attempts
                        + "); choosing again");
            } catch (AssignmentRefused refused) {
                view.forget(id);
                if (request.selector() == null || caughtUp || !nothingFree(refused)) {
                    throw refused;
                }
                // The view may not have heard yet of a release by another replica: hear it, then once more.
                caughtUp = true;
                follow.catchUp();
            } catch (RuntimeException failed) {
                view.forget(id);
                throw failed;
            }
        }
    }

    /** A key is the caller's own: another caller's same key is another key. */
    private Reservation reserveOnce(String id, AssignRequest request, String idempotencyKey, String principal,
            Map<String, Set<String>> lost) {
        if (idempotencyKey != null) {
            var earlier = idempotencyKeys.claim(principal, idempotencyKey, request.fingerprint(), id);
            if (earlier.isPresent()) {
                if (!earlier.get().fingerprint().equals(request.fingerprint())) {
                    throw new Conflict(Conflict.Reason.IDEMPOTENCY_KEY_REUSED, "Idempotency-Key " + idempotencyKey + " was used for another request");
                }
                return new Reservation(assignments.find(earlier.get().assignmentId())
                        .orElseThrow(() -> new AssertionError("a claimed key commits with its assignment")), 0, 0, true);
            }
        }
        TenantPolicy policy = tenants.find(request.tenant()).orElseGet(() -> TenantPolicy.defaults(request.tenant()));
        Target target = request.selector() == null ? named(id, request, policy) : placed(id, request, policy, lost);
        Assignment intent = Assignment.requested(id, request.tenant(), target.node().node(),
                target.devices().stream().map(bdf -> AssignedDevice.of(target.node().device(bdf).orElseThrow())).toList(),
                request.withKvm()).to(AssignmentState.PREPARING);
        Assignment reserved;
        try {
            reserved = assignments.reserve(intent, policy,
                    AuditEvent.of(principal, AuditEvent.Kind.ASSIGNMENT_STATE, intent, AssignmentState.PREPARING.name()));
        } catch (DevicesTaken taken) {
            throw new Lost(intent.node(), taken.devices());
        }
        FencingEpochs.Fence fence = epochs.fence(reserved.node());
        return new Reservation(reserved, fence.epoch(), fence.term(), false);
    }

    /** Where the devices go: the node's topology, and the devices chosen there. */
    private record Target(NodeTopology node, List<String> devices) {}

    private Target named(String id, AssignRequest request, TenantPolicy policy) {
        NodeState seen = view.nodeState(request.node()).orElseThrow(() -> unknown(request.node()));
        List<Violation> violations = Admission.check(new Admission.Request(request.tenant(), request.devices(), policy,
                new TenantUsage(view.devicesOf(request.tenant()), 0)), seen);
        if (!violations.isEmpty()) {
            // The view may be behind: only what the database says refuses.
            NodeState committed = assignments.nodeState(seen.topology());
            view.refresh(committed);
            violations = Admission.check(new Admission.Request(request.tenant(), request.devices(), policy,
                    assignments.usage(request.tenant())), committed);
            if (!violations.isEmpty()) {
                throw new AssignmentRefused(violations);
            }
        }
        view.assume(id, request.tenant(), request.node(), request.devices());
        return new Target(seen.topology(), request.devices());
    }

    private Target placed(String id, AssignRequest request, TenantPolicy policy, Map<String, Set<String>> lost) {
        if (request.node() != null && view.topology(request.node()).isEmpty()) {
            throw unknown(request.node());
        }
        Placement.Choice choice = view.place(id, new Placement.Request(request.tenant(), request.selector(), policy),
                request.node(), lost);
        Quotas.Demand demand = new Quotas.Demand(choice.devices().size(), 0);
        if (!Quotas.check(policy, new TenantUsage(view.devicesOf(request.tenant()) - choice.devices().size(), 0), demand).isEmpty()) {
            List<Violation> overQuota = Quotas.check(policy, assignments.usage(request.tenant()), demand);
            if (!overQuota.isEmpty()) {
                throw new AssignmentRefused(overQuota);
            }
        }
        NodeTopology topology = view.topology(choice.node())
                .orElseThrow(() -> new AssertionError("placement chooses among the known nodes"));
        return new Target(topology, choice.devices());
    }

    /** A node nobody registered is the caller's mistake, not a placement that found nothing. */
    private static InvalidRequest unknown(String node) {
        return new InvalidRequest("node", "is not a node this service knows: " + node);
    }

    /** Reads the node's holds from the database into the view; answers them. */
    private NodeState refresh(String node) {
        NodeTopology topology = view.topology(node).orElseThrow(() -> new AssertionError("a reservation names a known node"));
        NodeState committed = transactions.execute(status -> assignments.nodeState(topology));
        view.refresh(committed);
        return committed;
    }

    /** The refusal of named devices the database would not reserve, in the words of the rules that the devices break. */
    private static AssignmentRefused busy(AssignRequest request, NodeState committed, List<String> taken) {
        List<Violation> violations = new ArrayList<>(Ownership.check(request.tenant(), request.devices(), committed));
        violations.addAll(ScrubBetweenTenants.check(request.tenant(), request.devices(), committed));
        if (violations.isEmpty()) {
            violations = taken.stream().map(bdf -> new Violation(Violation.Rule.DEVICE_BUSY, bdf,
                    "taken on node " + committed.node() + " by a concurrent assignment")).toList();
        }
        return new AssignmentRefused(violations);
    }

    private static boolean nothingFree(AssignmentRefused refused) {
        return refused.violations().stream().allMatch(violation -> violation.rule() == Violation.Rule.NO_MATCHING_DEVICE);
    }

    private Assignment prepare(Assignment preparing, long epoch, long term, String principal) {
        failpoints.reach(Failpoints.Point.ASSIGN_PREPARING_STORED);
        Preparation preparation;
        try {
            preparation = agents.prepare(preparing.node(), new NodeAgents.PrepareCall(
                    preparing.id(), preparing.tenant(), preparing.bdfs(), preparing.withKvm(), epoch, term));
        } catch (NodeAgents.AgentUnreachable unreachable) {
            fail(preparing, "NODE_UNREACHABLE: " + unreachable.getMessage(), principal);
            throw new AssignmentRefused(List.of(new Violation(Violation.Rule.NODE_UNREACHABLE, null,
                    unreachable.getMessage())), preparing.id());
        } catch (NodeAgents.AgentRefused refused) {
            fail(preparing, "the agent refused: " + refused.answer() + (refused.device() == null ? "" : " on " + refused.device()),
                    principal);
            throw AgentRefusals.outcome(AgentRefusals.Operation.PREPARE, refused, preparing.id(), preparing.node(), null);
        }
        failpoints.reach(Failpoints.Point.ASSIGN_AGENT_PREPARED);
        List<Violation> split = TenantIoas.check(preparing.devices(), preparation);
        if (!split.isEmpty()) {
            release.complete(preparing.id(), principal);
            throw new AssignmentRefused(split, preparing.id());
        }
        Assignment active = preparing.activated(preparation);
        AuditEvent activated = AuditEvent.of(principal, AuditEvent.Kind.ASSIGNMENT_STATE, active, Transitions.describe(active));
        return telemetry.timed(Telemetry.Step.ASSIGN_OUTCOME, () -> transactions.execute(status -> assignments
                .update(AssignmentState.PREPARING, active, activated)
                .map(stored -> {
                    tenants.recordIoas(TenantIoas.of(stored, preparation));
                    return stored;
                })
                // Released while the agent prepared: the release's newer epoch undoes the prepare.
                .orElseGet(() -> assignments.find(preparing.id()).orElseThrow())));
    }

    private void fail(Assignment preparing, String reason, String principal) {
        Assignment failed = preparing.failed(reason);
        transactions.executeWithoutResult(status -> assignments.update(AssignmentState.PREPARING, failed,
                AuditEvent.of(principal, AuditEvent.Kind.ASSIGNMENT_STATE, failed, Transitions.describe(failed))));
    }
}
