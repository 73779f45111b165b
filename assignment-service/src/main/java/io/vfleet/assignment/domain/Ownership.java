package io.vfleet.assignment.domain;

import java.util.ArrayList;
import java.util.List;

/**
 * A device has at most one owner at a time, as the kernel opens and binds a vfio device once.
 *
 * <p>A device fenced by a running hot reset is busy too: it is free, but the reset is about to
 * reach it. This rule reads a snapshot; the database's unique index on held devices is what
 * decides between two requests that both passed it.
 *
 * <p>A refusal names the holding assignment only to its own tenant: to anyone else it is "another
 * tenant", so that no answer tells one tenant what another holds.
 */
public final class Ownership {

    private Ownership() {}

    public static List<Violation> check(String tenant, List<String> devices, NodeState state) {
        List<Violation> violations = new ArrayList<>();
        for (String bdf : devices) {
            state.hold(bdf).ifPresent(hold -> violations.add(switch (hold.kind()) {
                case OWNER -> new Violation(Violation.Rule.DEVICE_BUSY, bdf, hold.tenant().equals(tenant)
                        ? "already owned by this tenant's assignment " + hold.assignmentId() + " on node " + state.node()
                        : "already owned by another tenant on node " + state.node());
                case FENCE -> new Violation(Violation.Rule.DEVICE_BUSY, bdf,
                        "fenced on node " + state.node() + " while a hot reset of its reset set runs");
            }));
        }
        return violations;
    }
}
