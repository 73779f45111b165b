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
import io.vfleet.assignment.domain.AssignmentChange;
import io.vfleet.assignment.domain.AssignmentRefused;
import io.vfleet.assignment.domain.AssignmentState;
import io.vfleet.assignment.domain.AuditEvent;
import io.vfleet.assignment.domain.Hold;
import io.vfleet.assignment.domain.NodeState;
import io.vfleet.assignment.domain.NodeTopology;
import io.vfleet.assignment.domain.ResetSetSafety;
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
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.transaction.support.TransactionOperations;

/**
 * Releases an assignment in two commits: RELEASING with a fresh epoch (stored before the agent is
 * called), the agent detaches, scrub-resets and closes everything (no transaction), then RELEASED,
 * which frees the devices and lifts the release's fences, with the scrub bookkeeping of their reset
 * sets (stored once it answered).
 *
 * <p>The scrub of a device without a function reset: the kernel resets it only with its whole reset
 * set, for the one iommufd context that owns all of it. So when such a device's set is otherwise free
 * or the leaving assignment's own, the RELEASING transaction fences the set's free members (as a hot
 * reset does, {@link ResetAssignment}) and the agent resets the set before the VM's process exits, with
 * those members bound to the assignment's iommufd for that time; the agent reports the devices it
 * scrubbed that way. A set that another assignment holds part of, or that the host keeps part of, is not
 * touched: its devices stay pending, usable again only by the tenant that left them, until the kernel
 * resets the set when its last member closes ({@link ScrubBetweenTenants}). A release that fails or cannot
 * reach the agent lifts its fences too, and fences again when it is finished. A release of devices that
 * all have a function reset (as the agent reported at prepare) reads nothing of the node for this.
 *
 * <p>Idempotent: releasing a RELEASED or FAILED assignment answers it as it is, and a release
 * interrupted anywhere is finished by calling {@link #complete} again, which is what reconciliation does.
 * An assignment that an earlier version left RESETTING (the agent had answered, the bookkeeping was not
 * stored) is finished without the agent, every device counted as left to its set's reset.
 */
public final class ReleaseAssignment {

    private static final Logger log = LoggerFactory.getLogger(ReleaseAssignment.class);

    private final TransactionOperations transactions;
    private final Assignments assignments;
    private final FleetView view;
    private final FencingEpochs epochs;
    private final NodeAgents agents;
    private final AuditLog audit;
    private final Transitions transitions;
    private final Telemetry telemetry;
    private final Failpoints failpoints;

    /** The stores and the agents this use case (and the others that repair or reset) works with, and where it reports. */
    public record Ports(Assignments assignments, Topologies topologies, FleetView view, FencingEpochs epochs,
            NodeAgents agents, AuditLog audit, Telemetry telemetry) {}

    public ReleaseAssignment(TransactionOperations transactions, Ports ports) {
        this(transactions, ports, Failpoints.OFF);
    }

    public ReleaseAssignment(TransactionOperations transactions, Ports ports, Failpoints failpoints) {
        this.failpoints = failpoints;
        this.transactions = transactions;
        this.assignments = ports.assignments();
        this.view = ports.view();
        this.epochs = ports.epochs();
        this.agents = ports.agents();
        this.audit = ports.audit();
        this.transitions = new Transitions(assignments);
        this.telemetry = ports.telemetry();
    }

    public Assignment release(Caller caller, String id) {
        return run(id, caller, caller.principal());
    }

    /**
     * Takes the release from wherever it stands to RELEASED (or leaves a finished assignment as it
     * is), on behalf of {@code principal}.
     */
    public Assignment complete(String id, String principal) {
        return run(id, null, principal);
    }

    /** @param caller who asks, or null for the service's own repairs */
    private Assignment run(String id, Caller caller, String principal) {
        try (Telemetry.Scope scope = telemetry.operation(id)) {
            try {
                Assignment released = completeInScope(id, caller, principal);
                if (released.state() == AssignmentState.RELEASED) {
                    log.atInfo().log(() -> "released on node " + released.node() + ": " + released.bdfs());
                }
                return released;
            } catch (AssignmentRefused refused) {
                telemetry.refused(refused.violations());
                log.atInfo().log(() -> "release unfinished: " + refused.getMessage());
                throw refused;
            }
        }
    }

    private Assignment completeInScope(String id, Caller caller, String principal) {
        Step step = telemetry.timed(Telemetry.Step.RELEASE_INTENT, () -> transactions.execute(status -> {
            Assignment locked = assignments.lock(id).filter(found -> caller == null || caller.sees(found.tenant()))
                    .orElseThrow(() -> new NotFound("no assignment " + id));
            if (caller != null) {
                caller.requireToChange(locked.tenant());
            }
            return switch (locked.state()) {
                case RELEASED, FAILED -> new Step(locked, 0, 0, List.of());
                // Nothing went to the agent yet, so there is nothing to undo there.
                case REQUESTED -> new Step(transitions.store(locked.failed("released before it was prepared"), principal), 0, 0,
                        List.of());
                case RESETTING -> new Step(locked, 0, 0, List.of());
                case PREPARING, ACTIVE, RELEASING -> {
                    List<String> fenced = fenceForScrub(locked);
                    FencingEpochs.Fence fence = epochs.fence(locked.node());
                    Assignment releasing = locked.state() == AssignmentState.RELEASING
                            ? locked : transitions.store(locked.to(AssignmentState.RELEASING), principal);
                    if (!fenced.isEmpty()) {
                        audit.append(new AuditEvent(0, Instant.now(), principal, AuditEvent.Kind.RESET_STARTED,
                                locked.tenant(), locked.node(), fenced, id, "the scrub of the release fences "
                                        + fenced.size() + " free function(s) to reset their set"));
                    }
                    yield new Step(releasing, fence.epoch(), fence.term(), fenced);
                }
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
            failpoints.reach(Failpoints.Point.RELEASE_RELEASING_STORED);
            NodeAgents.Released released = callAgent(assignment, step.epoch(), step.term(), step.fenced());
            failpoints.reach(Failpoints.Point.RELEASE_AGENT_RELEASED);
            if (released.released()) {
                leftToSetReset = released.leftToSetReset();
            }
            detail = "function reset: " + released.functionReset() + "; set reset: " + released.setReset()
                    + "; left to the set reset: " + leftToSetReset;
        }
        List<String> unscrubbed = leftToSetReset;
        String outcome = detail;
        AssignmentState from = assignment.state();
        return telemetry.timed(Telemetry.Step.RELEASE_OUTCOME, () -> transactions.execute(status -> {
            Assignment done = assignment.to(AssignmentState.RELEASED);
            AssignmentChange.Scrubs scrubs = scrubs(done, unscrubbed);
            // Only from the state this release stored: a second release of the same assignment that
            // finished first has stored RELEASED already, with its own bookkeeping.
            AuditEvent recorded = AuditEvent.of(principal, AuditEvent.Kind.ASSIGNMENT_STATE, done,
                    AssignmentState.RELEASED.name() + ": " + outcome);
            return assignments.update(from, done, scrubs, recorded).map(released -> {
                if (!scrubs.scrubbed().isEmpty()) {
                    audit.append(new AuditEvent(0, Instant.now(), principal, AuditEvent.Kind.DEVICE_SCRUBBED, null, released.node(),
                            scrubs.scrubbed().stream().sorted().toList(), released.id(), "their reset set closed"));
                }
                return released;
            }).orElseGet(() -> assignments.find(id).orElseThrow());
        }));
    }

    private record Step(Assignment assignment, long epoch, long term, List<String> fenced) {}

    /**
     * Fences the free members of each reset set whose devices of the assignment may have no function
     * reset (the agent said so, or never said), when reset-set safety lets the assignment reset that
     * set; the members fenced, or none when one was taken meanwhile. Fences a failed attempt left are
     * lifted first. Reads the node only when some device may lack a function reset.
     */
    private List<String> fenceForScrub(Assignment leaving) {
        if (leaving.state() == AssignmentState.RELEASING) {
            assignments.unfence(leaving.id());
        }
        if (leaving.devices().stream().allMatch(device -> Boolean.TRUE.equals(device.functionReset()))) {
            return List.of();
        }
        NodeTopology topology = view.topology(leaving.node()).orElse(null);
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

    private NodeAgents.Released callAgent(Assignment assignment, long epoch, long term, List<String> fenced) {
        try {
            return agents.release(assignment.node(), new NodeAgents.ReleaseCall(assignment.id(), true, epoch, fenced, term));
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
