package io.vfleet.inventory.support;

import io.vfleet.inventory.domain.AgentInfo;
import io.vfleet.security.Caller;
import io.vfleet.inventory.domain.Device;
import io.vfleet.inventory.domain.IommuGroup;
import io.vfleet.inventory.domain.IovaWindow;
import io.vfleet.inventory.domain.KernelSettings;
import io.vfleet.inventory.domain.NodeRegistration;
import io.vfleet.inventory.domain.PciId;
import io.vfleet.inventory.domain.ReservedRegion;
import io.vfleet.inventory.domain.ResetSet;
import io.vfleet.security.Role;
import io.vfleet.inventory.domain.Topology;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds registrations the way an agent would send them: devices with their IOMMU groups and reset sets.
 * {@link #gpuServer} is a typical 8-GPU host; the builder methods make anything else.
 */
public final class Registrations {
    public static final PciId H100 = new PciId(0x10de, 0x2330, 0x030200);
    public static final PciId CONNECTX_VF = new PciId(0x15b3, 0x101e, 0x020000);
    public static final IovaWindow APERTURE_48_BIT = new IovaWindow(0, (1L << 48) - 1);
    public static final ReservedRegion X86_MSI = new ReservedRegion(new IovaWindow(0xfee00000L, 0xfeefffffL), "msi");
    public static final KernelSettings LINUX_6_6 = new KernelSettings("linux-6.6", true, false, true, true, false);

    private final String name;
    private AgentInfo agent;
    private final List<Device> devices = new ArrayList<>();
    private final Map<Integer, List<String>> groups = new LinkedHashMap<>();
    private final Map<String, List<String>> resetSets = new LinkedHashMap<>();

    private Registrations(String name) {
        this.name = name;
        this.agent = new AgentInfo(name + ":9443", "0.1.0");
    }

    public static Registrations node(String name) {
        return new Registrations(name);
    }

    /** The agent of {@code node}, as its token would make it. */
    public static Caller agentOf(String node) {
        return Caller.agentOf(node);
    }

    public static Caller operator() {
        return Caller.of("test-operator", Role.OPERATOR, null);
    }

    /**
     * {@code gpus} GPUs on buses 0x10, 0x11, ..., each function its own IOMMU group (numbered from 10),
     * two GPUs per switch sharing a reset set.
     */
    public static Registrations gpuServer(String name, int gpus) {
        Registrations registration = node(name);
        for (int index = 0; index < gpus; index++) {
            String bdf = gpuBdf(index);
            registration.device(new Device(bdf, H100, "vfio-pci", "vfio" + index, false, false, null), 10 + index);
            registration.resetSet("bus:switch-" + (index / 2), bdf);
        }
        return registration;
    }

    public static String gpuBdf(int index) {
        return String.format("0000:%02x:00.0", 0x10 + index);
    }

    public Registrations agent(AgentInfo newAgent) {
        this.agent = newAgent;
        return this;
    }

    /** Adds {@code device}, in IOMMU group {@code group} (null for none). */
    public Registrations device(Device device, Integer group) {
        devices.add(device);
        if (group != null) {
            groups.computeIfAbsent(group, number -> new ArrayList<>()).add(device.bdf());
        }
        return this;
    }

    public Registrations resetSet(String key, String... members) {
        resetSets.computeIfAbsent(key, k -> new ArrayList<>()).addAll(List.of(members));
        return this;
    }

    public Registrations without(String bdf) {
        devices.removeIf(device -> device.bdf().equals(bdf));
        groups.values().forEach(members -> members.remove(bdf));
        groups.values().removeIf(List::isEmpty);
        resetSets.values().forEach(members -> members.remove(bdf));
        resetSets.values().removeIf(List::isEmpty);
        return this;
    }

    public NodeRegistration build() {
        List<IommuGroup> iommuGroups = groups.entrySet().stream()
                .map(group -> new IommuGroup(group.getKey(), APERTURE_48_BIT, List.of(X86_MSI), group.getValue()))
                .toList();
        List<ResetSet> sets = resetSets.entrySet().stream().map(set -> new ResetSet(set.getKey(), set.getValue())).toList();
        return new NodeRegistration(name, agent, LINUX_6_6, new Topology(devices, iommuGroups, sets));
    }
}
