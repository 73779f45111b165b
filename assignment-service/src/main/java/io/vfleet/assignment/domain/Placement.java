package io.vfleet.assignment.domain;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Chooses devices for a selector: all of them on one node or none, whole IOMMU groups only, and
 * preferring groups whose reset sets nobody else holds and the host keeps no part of, so that the
 * tenant's resets stay possible ({@link ResetSetSafety#isBlocked}).
 *
 * <p>The unit of placement is the IOMMU group (group isolation): a group counts for as many devices
 * as it has members matching the selector, and brings its other members along. Among nodes the one
 * with the fewest shared reset sets wins, then the fewest extra devices, then the node name, so the
 * same state always gives the same answer.
 */
public final class Placement {

    private Placement() {}

    /** What to place: whose, which devices, and the tenant's policy (noiommu). */
    public record Request(String tenant, DeviceSelector selector, TenantPolicy policy) {}

    /** The devices chosen on one node; {@code sharedResetSets} counts groups placed in a shared reset set. */
    public record Choice(String node, List<String> devices, int sharedResetSets, int extraDevices) {}

    /** The best choice over the given nodes; refused with NO_MATCHING_DEVICE (or NODE_UNREACHABLE). */
    public static Choice choose(Request request, List<NodeState> nodes) {
        List<Choice> choices = new ArrayList<>();
        List<String> unreachable = new ArrayList<>();
        for (NodeState node : nodes) {
            if (!node.topology().live()) {
                unreachable.add(node.node());
                continue;
            }
            onNode(request, node).ifPresent(choices::add);
        }
        return choices.stream()
                .min(Comparator.comparingInt(Choice::sharedResetSets)
                        .thenComparingInt(Choice::extraDevices)
                        .thenComparing(Choice::node))
                .orElseThrow(() -> refusal(request, nodes.size(), unreachable));
    }

    /** The choice on one node, if it has enough free matching devices. */
    public static Optional<Choice> onNode(Request request, NodeState state) {
        NodeTopology topology = state.topology();
        List<Candidate> candidates = new ArrayList<>();
        for (Map.Entry<Integer, List<TopologyDevice>> group : topology.assignableGroups().entrySet()) {
            List<TopologyDevice> members = group.getValue();
            if (!GroupIsolation.isViable(group.getKey(), topology)
                    || !members.stream().allMatch(member -> eligible(request, member, state))) {
                continue;
            }
            int matching = (int) members.stream().filter(member -> request.selector().matches(member.id())).count();
            if (matching == 0) {
                continue;
            }
            boolean shared = members.stream().anyMatch(member -> ResetSetSafety.isBlocked(member, state));
            candidates.add(new Candidate(members, matching, shared));
        }
        candidates.sort(Comparator.comparing(Candidate::shared)
                .thenComparingInt(candidate -> candidate.members().size() - candidate.matching())
                .thenComparing(candidate -> candidate.members().getFirst().bdf()));
        int remaining = request.selector().count();
        List<String> devices = new ArrayList<>();
        int shared = 0;
        int extra = 0;
        for (Candidate candidate : candidates) {
            if (remaining == 0) {
                break;
            }
            if (candidate.matching() > remaining) {
                continue;
            }
            remaining -= candidate.matching();
            candidate.members().forEach(member -> devices.add(member.bdf()));
            shared += candidate.shared() ? 1 : 0;
            extra += candidate.members().size() - candidate.matching();
        }
        if (remaining > 0) {
            return Optional.empty();
        }
        return Optional.of(new Choice(state.node(), devices.stream().sorted().toList(), shared, extra));
    }

    private static boolean eligible(Request request, TopologyDevice device, NodeState state) {
        return state.isFree(device.bdf())
                && ScrubBetweenTenants.allows(request.tenant(), device.bdf(), state)
                && NoiommuPolicy.allows(request.policy(), device, state.topology());
    }

    private static AssignmentRefused refusal(Request request, int nodeCount, List<String> unreachable) {
        DeviceSelector selector = request.selector();
        String wanted = selector.count() + " free device(s) matching vendor " + hex(selector.vendorId())
                + ", device " + hex(selector.deviceId()) + ", class " + hex(selector.classCode());
        if (nodeCount > 0 && unreachable.size() == nodeCount) {
            return AssignmentRefused.because(new Violation(Violation.Rule.NODE_UNREACHABLE, null,
                    "no live node to place " + wanted + "; unreachable: " + String.join(", ", unreachable)));
        }
        return AssignmentRefused.because(new Violation(Violation.Rule.NO_MATCHING_DEVICE, null,
                "no live node of " + nodeCount + " has " + wanted + " in whole IOMMU groups"));
    }

    private static String hex(Integer value) {
        return value == null ? "any" : String.format("0x%04x", value);
    }

    private record Candidate(List<TopologyDevice> members, int matching, boolean shared) {}
}
