package io.vfleet.engine.topology;

import io.vfleet.engine.KernelConfig;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.SequencedSet;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * A host as its kernel sees it: the vfio build configuration, the PCI functions
 * ({@code pci_bus}/{@code pci_dev} hierarchy of {@code drivers/pci/}) with their IOMMU groups and resets,
 * and the emulated vfio devices its software drivers offer. The engine builds a host's kernel from it.
 *
 * <p>Invariants, checked on construction and reported as {@link TopologyException}s whose field paths
 * ({@code devices[2].bdf}) index the lists in the order given: BDFs are unique; an upstream bridge or
 * physical function names a function of this host; an upstream bridge is a bridge and the bridges form
 * no cycle; a bus sits below one parent only (a bridge, or the root); a virtual function's physical
 * function is not itself a virtual function; emulated device names are unique and their parents exist.
 * An IOMMU group may span several reset domains, as on real hardware.
 *
 * <p>{@code functions} is kept sorted by BDF and immutable. Queries scan or binary-search it: a host has
 * at most a few hundred functions, and the engine asks at setup, not per ioctl.
 */
public record HostTopology(String hostname, KernelConfig kernel, List<PciFunction> functions,
                           List<EmulatedDeviceSpec> emulatedDevices) {
    private static final Pattern HOSTNAME = Pattern.compile("[A-Za-z0-9]([A-Za-z0-9.-]{0,252})");

    public HostTopology {
        if (hostname == null || hostname.isEmpty()) {
            throw new TopologyException("hostname", "must not be empty");
        }
        if (!isHostname(hostname)) {
            throw new TopologyException("hostname", "'" + hostname + "' is not a host name (letters, digits, '.', '-')");
        }
        Objects.requireNonNull(kernel, "kernel");
        checkFunctions(functions);
        functions = functions.stream().sorted(Comparator.comparing(PciFunction::bdf)).toList();
        emulatedDevices = List.copyOf(emulatedDevices);
        checkEmulatedDevices(emulatedDevices, functions);
    }

    /** Whether {@code name} is a host name a topology may have: letters, digits, '.' and '-', not starting with either. */
    public static boolean isHostname(String name) {
        return name != null && HOSTNAME.matcher(name).matches();
    }

    /** The function at {@code bdf}, if the host has one. */
    public Optional<PciFunction> function(Bdf bdf) {
        int low = 0;
        int high = functions.size() - 1;
        while (low <= high) {
            int middle = (low + high) >>> 1;
            int order = functions.get(middle).bdf().compareTo(bdf);
            if (order == 0) {
                return Optional.of(functions.get(middle));
            } else if (order < 0) {
                low = middle + 1;
            } else {
                high = middle - 1;
            }
        }
        return Optional.empty();
    }

    /** The functions directly on the secondary bus of {@code bridge}. */
    public List<PciFunction> childrenOf(Bdf bridge) {
        require(bridge);
        return functions.stream().filter(function -> bridge.equals(function.upstreamBridge())).toList();
    }

    /** Every function below {@code bridge}, through further bridges, in BDF order. */
    public List<PciFunction> below(Bdf bridge) {
        require(bridge);
        return functions.stream().filter(function -> isBelow(function, bridge)).toList();
    }

    /** The numbers of all IOMMU groups, ascending. */
    public SortedSet<Integer> iommuGroups() {
        SortedSet<Integer> groups = new TreeSet<>();
        for (PciFunction function : functions) {
            if (function.hasIommuGroup()) {
                groups.add(function.iommuGroup());
            }
        }
        return groups;
    }

    /** The functions of IOMMU group {@code group}, in BDF order; empty for an unknown group. */
    public List<PciFunction> iommuGroupMembers(int group) {
        return functions.stream().filter(function -> Objects.equals(function.iommuGroup(), group)).toList();
    }

    /**
     * Whether user space could own the group: no member is bound to a DMA-using host driver
     * (vfio's "viable" group, KERNEL.md §7.3). An unknown group is not viable.
     */
    public boolean iommuGroupViable(int group) {
        List<PciFunction> members = iommuGroupMembers(group);
        return !members.isEmpty() && members.stream().noneMatch(PciFunction::holdsDmaOwnership);
    }

    /** The SR-IOV virtual functions of {@code physfn}, in BDF order. */
    public List<PciFunction> virtualFunctions(Bdf physfn) {
        require(physfn);
        return functions.stream().filter(function -> physfn.equals(function.physfn())).toList();
    }

    /** The reset domain of {@code bdf} (KERNEL.md §2.10, §13.1). */
    public ResetDomain resetDomain(Bdf bdf) {
        PciFunction function = require(bdf);
        PciFunction bridge = function.onRootBus() ? null : require(function.upstreamBridge());
        return ResetDomain.of(function, bridge);
    }

    /** The key vfio-pci would give {@code bdf}'s dev_set: {@code slot:...}, {@code bus:...} or {@code root:...}. */
    public String resetDomainKey(Bdf bdf) {
        return resetDomain(bdf).key();
    }

    /**
     * The functions sharing {@code bdf}'s reset domain, itself included: the candidates for its dev_set
     * (only those bound to vfio-pci join it).
     */
    public List<PciFunction> resetDomainMembers(Bdf bdf) {
        String key = resetDomainKey(bdf);
        return functions.stream().filter(function -> resetDomainKey(function.bdf()).equals(key)).toList();
    }

    /**
     * The functions a hot reset of {@code bdf} resets, in BDF order: everything below the bridge whose
     * slot or bus is reset, bridges included. Empty when hot reset is unsupported (ENODEV).
     */
    public List<Bdf> hotResetAffected(Bdf bdf) {
        ResetDomain domain = resetDomain(bdf);
        if (!domain.hotResetSupported()) {
            return List.of();
        }
        return below(domain.bridge()).stream().map(PciFunction::bdf).toList();
    }

    public Optional<EmulatedDeviceSpec> emulatedDevice(String name) {
        return emulatedDevices.stream().filter(device -> device.name().equals(name)).findFirst();
    }

    private boolean isBelow(PciFunction function, Bdf bridge) {
        Bdf above = function.upstreamBridge();
        while (above != null) {
            if (above.equals(bridge)) {
                return true;
            }
            above = require(above).upstreamBridge();
        }
        return false;
    }

    private PciFunction require(Bdf bdf) {
        return function(bdf).orElseThrow(() -> new IllegalArgumentException("no PCI function " + bdf + " on " + hostname));
    }

    private static void checkFunctions(List<PciFunction> functions) {
        Map<Bdf, Integer> indexOf = new HashMap<>();
        for (int index = 0; index < functions.size(); index++) {
            Bdf bdf = functions.get(index).bdf();
            Integer earlier = indexOf.putIfAbsent(bdf, index);
            if (earlier != null) {
                throw new TopologyException("devices[" + index + "].bdf", "duplicate " + bdf + " (also devices[" + earlier + "])");
            }
        }
        for (int index = 0; index < functions.size(); index++) {
            checkReferences(functions, indexOf, index);
        }
        for (int index = 0; index < functions.size(); index++) {
            checkNoCycle(functions, indexOf, index);
        }
        checkBusParents(functions);
    }

    private static void checkReferences(List<PciFunction> functions, Map<Bdf, Integer> indexOf, int index) {
        PciFunction function = functions.get(index);
        String path = "devices[" + index + "].";
        Bdf bridge = function.upstreamBridge();
        if (bridge != null) {
            Integer bridgeIndex = indexOf.get(bridge);
            if (bridgeIndex == null) {
                throw new TopologyException(path + "upstreamBridge", "no function " + bridge + " on this host");
            }
            PciId bridgeId = functions.get(bridgeIndex).id();
            if (!bridgeId.isBridge()) {
                throw new TopologyException(path + "upstreamBridge", bridge + " is not a bridge (class 0x"
                        + String.format("%06x", bridgeId.classCode()) + ", a bridge is 0x0604xx)");
            }
        }
        Bdf physfn = function.physfn();
        if (physfn != null) {
            Integer physfnIndex = indexOf.get(physfn);
            if (physfnIndex == null) {
                throw new TopologyException(path + "physfn", "no function " + physfn + " on this host");
            }
            PciFunction parent = functions.get(physfnIndex);
            if (parent.isVirtualFunction()) {
                throw new TopologyException(path + "physfn", physfn + " is itself a virtual function (of "
                        + parent.physfn() + "); SR-IOV does not nest");
            }
            if (parent.isBridge()) {
                throw new TopologyException(path + "physfn", physfn + " is a bridge, which has no virtual functions");
            }
        }
    }

    private static void checkNoCycle(List<PciFunction> functions, Map<Bdf, Integer> indexOf, int index) {
        SequencedSet<Bdf> chain = new LinkedHashSet<>();
        PciFunction function = functions.get(index);
        chain.add(function.bdf());
        Bdf above = function.upstreamBridge();
        while (above != null) {
            if (!chain.add(above)) {
                List<String> path = new ArrayList<>(chain.stream().map(Bdf::toString).toList());
                path.add(above.toString());
                throw new TopologyException("devices[" + index + "].upstreamBridge",
                        "bridges form a cycle: " + String.join(" -> ", path));
            }
            above = functions.get(indexOf.get(above)).upstreamBridge();
        }
    }

    /** All functions of one bus hang below the same bridge, or all on the root: the bus names its parent. */
    private static void checkBusParents(List<PciFunction> functions) {
        Map<String, Integer> firstOnBus = new HashMap<>();
        for (int index = 0; index < functions.size(); index++) {
            PciFunction function = functions.get(index);
            Integer first = firstOnBus.putIfAbsent(function.bdf().busName(), index);
            if (first != null && !Objects.equals(functions.get(first).upstreamBridge(), function.upstreamBridge())) {
                throw new TopologyException("devices[" + index + "].upstreamBridge", "bus " + function.bdf().busName()
                        + " is " + parentName(functions.get(first).upstreamBridge()) + " (devices[" + first
                        + "]), but this function says it is " + parentName(function.upstreamBridge()));
            }
        }
    }

    private static String parentName(Bdf bridge) {
        return bridge == null ? "a root bus" : "below " + bridge;
    }

    private static void checkEmulatedDevices(List<EmulatedDeviceSpec> devices, List<PciFunction> functions) {
        Map<String, Integer> indexOf = new HashMap<>();
        for (int index = 0; index < devices.size(); index++) {
            EmulatedDeviceSpec device = devices.get(index);
            Integer earlier = indexOf.putIfAbsent(device.name(), index);
            String path = "emulatedDevices[" + index + "].";
            if (earlier != null) {
                throw new TopologyException(path + "name", "duplicate " + device.name() + " (also emulatedDevices[" + earlier + "])");
            }
            if (device.parent() != null && functions.stream().noneMatch(function -> function.bdf().equals(device.parent()))) {
                throw new TopologyException(path + "parent", "no function " + device.parent() + " on this host");
            }
        }
    }
}
