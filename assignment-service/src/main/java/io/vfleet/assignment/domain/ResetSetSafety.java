package io.vfleet.assignment.domain;

import java.util.ArrayList;
import java.util.List;

/**
 * A hot reset reaches every function of a reset set (vfio-pci's dev_set), and the kernel does one for
 * a device opened through its cdev only when every vfio device of the set is bound to the caller's
 * iommufd context (KERNEL.md §13.3). This rule reads the node as the kernel will, so that what the
 * kernel would refuse is refused here, before anything is fenced or asked:
 * <ul>
 *   <li>a member held by another assignment refuses the reset, the same tenant's included: every
 *       assignment is a VMM process with an iommufd context of its own on its node;</li>
 *   <li>a member kept by a host driver refuses it: the kernel resets a slot or bus only when every
 *       function on it is bound to vfio-pci;</li>
 *   <li>a member fenced by another reset refuses it;</li>
 *   <li>a free member is fenced for the length of the reset (a hold like an owner's, so nobody is
 *       given it meanwhile), and the node's agent binds it to the resetting assignment's context for
 *       exactly that time.</li>
 * </ul>
 * A refusal names the member, and who holds it only when that is the resetting tenant itself.
 *
 * <p>Placement uses the same reading to prefer devices whose reset set nobody else holds, so that
 * the resets a tenant will need stay possible.
 */
public final class ResetSetSafety {

    private ResetSetSafety() {}

    /** What forbids {@code resetting} from hot-resetting {@code bdf}'s reset set now. */
    public static List<Violation> check(Assignment resetting, String bdf, NodeState state) {
        TopologyDevice device = state.topology().device(bdf)
                .orElseThrow(() -> new IllegalArgumentException("no device " + bdf + " on node " + state.node()));
        List<Violation> violations = new ArrayList<>();
        for (TopologyDevice member : state.topology().resetSetMembers(device.resetSet())) {
            Hold hold = state.hold(member.bdf()).orElse(null);
            if (hold != null && hold.kind() == Hold.Kind.OWNER && hold.assignmentId().equals(resetting.id())) {
                continue;
            }
            String where = "reset set " + device.resetSet() + " has " + member.bdf();
            if (!member.assignable()) {
                violations.add(new Violation(Violation.Rule.RESET_SET, member.bdf(), where
                        + " kept by the host, not bound to vfio-pci: the kernel resets the set only when all of it is"));
            } else if (hold == null) {
                // Free and bound to vfio-pci: it is fenced for the length of the reset.
            } else if (hold.kind() == Hold.Kind.FENCE) {
                violations.add(new Violation(Violation.Rule.RESET_SET, member.bdf(), where + " fenced by a hot reset"
                        + (hold.tenant().equals(resetting.tenant()) ? " of assignment " + hold.assignmentId() : "")
                        + " in progress"));
            } else if (hold.tenant().equals(resetting.tenant())) {
                violations.add(new Violation(Violation.Rule.RESET_SET, member.bdf(), where + " opened by assignment "
                        + hold.assignmentId() + " of the same tenant, a VM process with an iommufd context of its own:"
                        + " the kernel resets the set only for one context that holds all of it"));
            } else {
                violations.add(new Violation(Violation.Rule.RESET_SET, member.bdf(), where + " opened by another tenant"));
            }
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
     * Whether a new assignment of {@code device} could not reset its set today: another member of the
     * set is held (by any assignment, since the new one will be a context of its own) or kept by the host.
     */
    public static boolean isBlocked(TopologyDevice device, NodeState state) {
        return state.topology().resetSetMembers(device.resetSet()).stream()
                .filter(member -> !member.bdf().equals(device.bdf()))
                .anyMatch(member -> !member.assignable() || state.hold(member.bdf()).isPresent());
    }
}
