package io.vfleet.assignment.domain;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A small node with every shape the rules care about, and a way to put holds on it.
 *
 * <pre>
 * group 10: 00:01.0 bridge (host) + 01:00.0 GPU            reset set slot:01
 * group 11: 02:00.0 GPU + 02:00.1 audio (one group)         reset set bus:02
 * group 12: 03:00.0 GPU    group 13: 03:00.1 GPU            reset set bus:03 (shared, two groups)
 * group 14: 04:00.0 NIC on a host driver + 04:00.1 NIC      not viable
 * group 15: 05:00.0 noiommu NIC                             reset set root:05
 * group 16: 06:00.0 GPU                                     reset set slot:06
 * </pre>
 */
final class SampleNode {

    static final int NVIDIA = 0x10de;
    static final int H100 = 0x2330;
    static final int AUDIO = 0x22ba;
    static final int GPU_CLASS = 0x030200;
    static final int AUDIO_CLASS = 0x040300;

    private SampleNode() {}

    static NodeTopology topology(String node, boolean noiommuEnabled) {
        return new NodeTopology(node, noiommuEnabled, true, List.of(
                device("0000:00:01.0", new TopologyDevice.PciId(0x8086, 0x352a, 0x060400), 10, "root:00", false),
                gpu("0000:01:00.0", 10, "slot:01"),
                gpu("0000:02:00.0", 11, "bus:02"),
                device("0000:02:00.1", new TopologyDevice.PciId(NVIDIA, AUDIO, AUDIO_CLASS), 11, "bus:02", true),
                gpu("0000:03:00.0", 12, "bus:03"),
                gpu("0000:03:00.1", 13, "bus:03"),
                device("0000:04:00.0", new TopologyDevice.PciId(0x15b3, 0x1021, 0x020000), 14, "bus:04", false),
                device("0000:04:00.1", new TopologyDevice.PciId(0x15b3, 0x1021, 0x020000), 14, "bus:04", true),
                new TopologyDevice("0000:05:00.0", new TopologyDevice.PciId(0x8086, 0x1533, 0x020000), 15, "root:05",
                        TopologyDevice.Kind.NOIOMMU, true, "/dev/vfio/noiommu-15"),
                gpu("0000:06:00.0", 16, "slot:06")));
    }

    static NodeTopology topology() {
        return topology("n1", false);
    }

    static TopologyDevice gpu(String bdf, int group, String resetSet) {
        return device(bdf, new TopologyDevice.PciId(NVIDIA, H100, GPU_CLASS), group, resetSet, true);
    }

    static TopologyDevice device(String bdf, TopologyDevice.PciId id, int group, String resetSet, boolean assignable) {
        return new TopologyDevice(bdf, id, group, resetSet, TopologyDevice.Kind.PHYSICAL, assignable,
                assignable ? "/dev/vfio/devices/vfio" + group : "");
    }

    /** Builds a node state by adding holds and pending scrubs. */
    static final class State {
        private final NodeTopology topology;
        private final Map<String, Hold> holds = new HashMap<>();
        private final Map<String, String> scrubPending = new HashMap<>();

        State(NodeTopology topology) {
            this.topology = topology;
        }

        State owned(String tenant, String assignmentId, String... bdfs) {
            for (String bdf : bdfs) {
                holds.put(bdf, new Hold(bdf, tenant, assignmentId, Hold.Kind.OWNER));
            }
            return this;
        }

        State fenced(String tenant, String assignmentId, String... bdfs) {
            for (String bdf : bdfs) {
                holds.put(bdf, new Hold(bdf, tenant, assignmentId, Hold.Kind.FENCE));
            }
            return this;
        }

        State scrubPending(String tenant, String... bdfs) {
            for (String bdf : bdfs) {
                scrubPending.put(bdf, tenant);
            }
            return this;
        }

        NodeState build() {
            return new NodeState(topology, holds, scrubPending);
        }
    }

    static State state() {
        return new State(topology());
    }
}
