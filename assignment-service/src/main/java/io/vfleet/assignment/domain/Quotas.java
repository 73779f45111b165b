package io.vfleet.assignment.domain;

import java.util.ArrayList;
import java.util.List;

/**
 * A tenant holds at most its quota of devices and of pinned bytes, across every node.
 *
 * <p>Read under a lock on the tenant's row, so that two requests of one tenant cannot both pass
 * on the same usage.
 */
public final class Quotas {

    private Quotas() {}

    /** What the tenant asks for on top of what it holds. */
    public record Demand(int devices, long pinnedBytes) {}

    public static List<Violation> check(TenantPolicy policy, TenantUsage usage, Demand demand) {
        List<Violation> violations = new ArrayList<>();
        if ((long) usage.devices() + demand.devices() > policy.maxDevices()) {
            violations.add(new Violation(Violation.Rule.QUOTA, null,
                    "tenant " + policy.tenant() + " holds " + usage.devices() + " of at most " + policy.maxDevices()
                            + " devices; " + demand.devices() + " more would exceed it"));
        }
        if (demand.pinnedBytes() > policy.maxPinnedBytes() - usage.pinnedBytes()) {
            violations.add(new Violation(Violation.Rule.QUOTA, null,
                    "tenant " + policy.tenant() + " pins " + usage.pinnedBytes() + " of at most "
                            + policy.maxPinnedBytes() + " bytes; " + demand.pinnedBytes() + " more would exceed it"));
        }
        return violations;
    }
}
