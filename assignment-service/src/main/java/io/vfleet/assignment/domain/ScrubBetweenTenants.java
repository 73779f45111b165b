package io.vfleet.assignment.domain;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A released device is reset before another tenant may have it, so that nothing one tenant left in
 * a device's memory or registers reaches the next.
 *
 * <p>A device with a function reset is scrubbed by the release itself. One without is reset by the
 * kernel when the last opened device of its reset set closes; until then it stays pending, usable
 * again by the tenant that left it but by nobody else.
 */
public final class ScrubBetweenTenants {

    private ScrubBetweenTenants() {}

    public static List<Violation> check(String tenant, List<String> devices, NodeState state) {
        List<Violation> violations = new ArrayList<>();
        for (String bdf : devices) {
            String previous = state.scrubPendingFrom().get(bdf);
            if (previous != null && !previous.equals(tenant)) {
                violations.add(new Violation(Violation.Rule.DEVICE_BUSY, bdf,
                        "awaits a scrub reset since another tenant released it; its reset set is still open"));
            }
        }
        return violations;
    }

    public static boolean allows(String tenant, String bdf, NodeState state) {
        String previous = state.scrubPendingFrom().get(bdf);
        return previous == null || previous.equals(tenant);
    }

    /**
     * Which released devices stay pending: those that got no function reset and whose reset set
     * still has an opened member once the release's own holds are gone.
     *
     * @param afterRelease the node as it is once the released assignment holds nothing
     */
    public static Map<String, String> pendingAfterRelease(
            String tenant, Collection<String> leftToSetReset, NodeState afterRelease) {
        Map<String, String> pending = new LinkedHashMap<>();
        for (String bdf : leftToSetReset) {
            if (resetSetStillOpen(bdf, afterRelease)) {
                pending.put(bdf, tenant);
            }
        }
        return pending;
    }

    /** Pending devices whose reset set has closed entirely, so the kernel has reset them. */
    public static Set<String> scrubbedNow(NodeState state) {
        Set<String> scrubbed = new java.util.TreeSet<>();
        for (String bdf : state.scrubPendingFrom().keySet()) {
            if (!resetSetStillOpen(bdf, state)) {
                scrubbed.add(bdf);
            }
        }
        return scrubbed;
    }

    private static boolean resetSetStillOpen(String bdf, NodeState state) {
        return state.topology().device(bdf)
                .map(device -> state.topology().resetSetMembers(device.resetSet()).stream()
                        .anyMatch(member -> state.hold(member.bdf()).filter(hold -> hold.kind() == Hold.Kind.OWNER).isPresent()))
                .orElse(false);
    }
}
