package io.vfleet.assignment.support;

import io.vfleet.assignment.domain.NodeTopology;
import io.vfleet.assignment.domain.TopologyDevice;
import java.util.List;

/**
 * Nodes for the service tests.
 *
 * <pre>
 * group 10: 01:00.0 GPU                       reset set slot:01
 * group 11: 02:00.0 GPU + 02:00.1 audio        reset set bus:02
 * group 12: 03:00.0 GPU   group 13: 03:00.1 GPU reset set bus:03 (two groups share it)
 * group 15: 05:00.0 noiommu NIC                reset set root:05
 * group 16: 06:00.0 GPU                        reset set slot:06
 * </pre>
 *
 * <p>{@link #withHostDrivers} is a node where some functions stay with host drivers:
 *
 * <pre>
 * group 20: 00:1c.0 bridge (pcieport) + 04:00.0 GPU   viable, bridges do not count
 * group 21: 02:00.0 GPU + 02:00.1 audio (snd_hda_intel)  not viable
 * group 22: 03:00.0 NIC (tg3)
 * </pre>
 */
public final class Fleet {

    public static final int NVIDIA = 0x10de;
    public static final int H100 = 0x2330;

    private Fleet() {}

    public static NodeTopology node(String name) {
        return node(name, false, true);
    }

    public static NodeTopology node(String name, boolean noiommuEnabled, boolean live) {
        return new NodeTopology(name, noiommuEnabled, live, List.of(
                gpu("0000:01:00.0", 10, "slot:01"),
                gpu("0000:02:00.0", 11, "bus:02"),
                device("0000:02:00.1", new TopologyDevice.PciId(NVIDIA, 0x22ba, 0x040300), 11, "bus:02",
                        TopologyDevice.Kind.PHYSICAL),
                gpu("0000:03:00.0", 12, "bus:03"),
                gpu("0000:03:00.1", 13, "bus:03"),
                device("0000:05:00.0", new TopologyDevice.PciId(0x8086, 0x1533, 0x020000), 15, "root:05",
                        TopologyDevice.Kind.NOIOMMU),
                gpu("0000:06:00.0", 16, "slot:06")));
    }

    public static NodeTopology withHostDrivers(String name) {
        return new NodeTopology(name, false, true, List.of(
                new TopologyDevice("0000:00:1c.0", new TopologyDevice.PciId(0x8086, 0xa110, 0x060400), 20, "root:00",
                        TopologyDevice.Kind.PHYSICAL, false, ""),
                gpu("0000:04:00.0", 20, "slot:04"),
                gpu("0000:02:00.0", 21, "bus:02"),
                new TopologyDevice("0000:02:00.1", new TopologyDevice.PciId(NVIDIA, 0x22ba, 0x040300), 21, "bus:02",
                        TopologyDevice.Kind.PHYSICAL, false, ""),
                new TopologyDevice("0000:03:00.0", new TopologyDevice.PciId(0x14e4, 0x1657, 0x020000), 22, "slot:03",
                        TopologyDevice.Kind.PHYSICAL, false, "")));
    }

    private static TopologyDevice gpu(String bdf, int group, String resetSet) {
        return device(bdf, new TopologyDevice.PciId(NVIDIA, H100, 0x030200), group, resetSet, TopologyDevice.Kind.PHYSICAL);
    }

    private static TopologyDevice device(String bdf, TopologyDevice.PciId id, int group, String resetSet,
            TopologyDevice.Kind kind) {
        return new TopologyDevice(bdf, id, group, resetSet, kind, true,
                kind == TopologyDevice.Kind.NOIOMMU ? "/dev/vfio/noiommu-" + group : "/dev/vfio/devices/vfio" + group);
    }
}
