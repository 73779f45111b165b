package io.vfleet.assignment.domain;

import java.util.ArrayList;
import java.util.List;

/**
 * A hot reset reaches every function of a reset set (vfio-pci's dev_set), so it is allowed only
 * when every opened member of the set is the resetting tenant's; the set's free members are fenced
 * for the length of the reset, so that nobody opens them half-way.
 *
 * <p>Placement uses the same reading to prefer devices whose reset set is free or already the
 * tenant's, so that the resets a tenant will need stay possible.
 */
public final class ResetSetSafety {

    private ResetSetSafety() {}

    /** What forbids the tenant from hot-resetting {@code bdf} now. */
    public static List<Violation> check(String tenant, String bdf, NodeState state) {
        TopologyDevice device = state.topology().device(bdf)
                .orElseThrow(() -> new IllegalArgumentException("no device " + bdf + " on node " + state.node()));
        List<Violation> violations = new ArrayList<>();
        for (TopologyDevice member : state.topology().resetSetMembers(device.resetSet())) {
            state.hold(member.bdf()).ifPresent(hold -> {
                if (hold.kind() == Hold.Kind.FENCE) {
                    violations.add(new Violation(Violation.Rule.RESET_SET, member.bdf(),
                            "reset set " + device.resetSet() + " is being reset by assignment " + hold.assignmentId()));
                } else if (!hold.tenant().equals(tenant)) {
                    violations.add(new Violation(Violation.Rule.RESET_SET, member.bdf(),
                            "reset set " + device.resetSet() + " has " + member.bdf() + " opened by another tenant"));
                }
            });
        }
        return violations;
    }

    /** The free members of the reset set of {@code bdf}: the ones to fence while it is reset. */
    public static List<String> membersToFence(String bdf, NodeState state) {
        TopologyDevice device = state.topology().device(bdf)
                .orElseThrow(() -> new IllegalArgumentException("no device " + bdf + " on node " + state.node()));
        return state.topology().resetSetMembers(device.resetSet()).stream()
                .map(TopologyDevice::bdf)
                .filter(state::isFree)
                .toList();
    }

    /**
     * Whether a reset of {@code bdf} by the tenant would be blocked by someone else today: some
     * other member of its reset set is opened by another tenant.
     */
    public static boolean isShared(String tenant, TopologyDevice device, NodeState state) {
        return state.topology().resetSetMembers(device.resetSet()).stream()
                .map(member -> state.hold(member.bdf()))
                .anyMatch(hold -> hold.isPresent() && !hold.get().tenant().equals(tenant));
    }
}
