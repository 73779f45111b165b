package io.vfleet.agent.topology;

import io.vfleet.engine.IovaRange;
import io.vfleet.engine.KernelConfig;
import io.vfleet.engine.KernelProfile;
import io.vfleet.engine.topology.Bdf;
import io.vfleet.engine.topology.HostTopology;
import io.vfleet.engine.topology.IommuFacts;
import io.vfleet.engine.topology.PciFunction;
import io.vfleet.engine.topology.PciId;
import io.vfleet.engine.topology.ReservedRegion;
import io.vfleet.engine.topology.ResetCapabilities;
import io.vfleet.engine.topology.TopologyException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the host the agent runs on from sysfs, read-only: {@code bus/pci/devices/*} (ids, class,
 * driver, {@code iommu_group}, {@code reset_method}, {@code physfn}, and the upstream bridge from
 * where the device sits in {@code /sys/devices}), {@code bus/pci/slots/*} (hotplug slots, which can
 * be slot-reset), {@code kernel/iommu_groups/*} ({@code devices}, {@code reserved_regions}, {@code name}).
 *
 * <p>The kernel configuration is what the host shows, never assumed: {@code /dev/iommu} or the iommufd
 * module for IOMMUFD, {@code /dev/vfio/devices} or a device number on a {@code class/vfio-dev} entry for
 * the device cdev (the class itself exists without the cdev), {@code class/vfio} for groups,
 * {@code /dev/vfio/vfio} with the type1 module for the legacy container and without it for iommufd's,
 * the noiommu module parameter; the profile is chosen from the kernel release
 * ({@code kernel/osrelease} under the procfs root): {@code linux-6.12} from 6.12 on, else {@code linux-6.6}.
 *
 * <p>Real hosts are untidy, so the reader is forgiving where the kernel is: a missing optional file
 * means the fact is absent (no driver, no IOMMU group, no function reset, the default reserved
 * regions), and a function whose identity cannot be read is left out with a warning. What sysfs does
 * not say (IOMMU aperture, page sizes, coherency, MSI isolation) takes the x86 defaults. A mainline
 * kernel is assumed: the v11 series never shipped.
 */
public final class SysfsTopologyReader {
    private static final Logger log = LoggerFactory.getLogger(SysfsTopologyReader.class);
    private static final Set<String> FUNCTION_RESETS = Set.of("flr", "af_flr", "pm");

    private final Path root;
    private final Path dev;
    private final Path procSys;

    /** The host's {@code /sys}, {@code /dev} and {@code /proc/sys}. */
    public SysfsTopologyReader(Path root) {
        this(root, Path.of("/dev"), Path.of("/proc/sys"));
    }

    public SysfsTopologyReader(Path root, Path dev, Path procSys) {
        this.root = root;
        this.dev = dev;
        this.procSys = procSys;
    }

    /** A vfio-pci function as the kernel registered it: its cdev ({@code vfioN}, empty without cdev) and group node. */
    public record VfioFunction(Bdf bdf, String cdevName, String groupNode) {
    }

    /**
     * The functions vfio-pci drives now, in cdev order (registration order) when there are cdevs, else
     * by address: the group node is {@code noiommu-N} for a group vfio made up for a function without an
     * IOMMU (its name in sysfs is {@code vfio-noiommu}).
     */
    public List<VfioFunction> vfioFunctions() {
        Map<Bdf, String> cdevs = vfioDeviceNodes();
        List<VfioFunction> functions = new ArrayList<>();
        for (var device : pciDevices().entrySet()) {
            if (!"vfio-pci".equals(link(device.getValue().resolve("driver")).orElse(null))) {
                continue;
            }
            Optional<Integer> group = link(device.getValue().resolve("iommu_group")).flatMap(SysfsTopologyReader::integer);
            String node = group.map(number -> noiommuGroup(number) ? "noiommu-" + number : Integer.toString(number)).orElse("");
            functions.add(new VfioFunction(device.getKey(), cdevs.getOrDefault(device.getKey(), ""), node));
        }
        functions.sort(java.util.Comparator.comparing((VfioFunction function) -> function.cdevName().isEmpty())
                .thenComparingInt(function -> cdevIndex(function.cdevName())).thenComparing(VfioFunction::bdf));
        return functions;
    }

    private boolean noiommuGroup(int group) {
        return text(root.resolve("kernel/iommu_groups/" + group + "/name")).map(String::strip).filter("vfio-noiommu"::equals).isPresent();
    }

    private static int cdevIndex(String cdevName) {
        return cdevName.isEmpty() ? Integer.MAX_VALUE : integer(cdevName.substring(cdevName.lastIndexOf('o') + 1)).orElse(Integer.MAX_VALUE);
    }

    public HostTopology read(String hostname) {
        Map<Bdf, Path> devices = pciDevices();
        Map<Bdf, Integer> groups = iommuGroups(devices);
        Set<String> slotBuses = slotBuses();
        Map<Bdf, Bdf> bridges = new HashMap<>();
        Map<Bdf, PciId> ids = new TreeMap<>();
        for (var device : devices.entrySet()) {
            readId(device.getValue()).ifPresentOrElse(id -> ids.put(device.getKey(), id),
                    () -> log.warn("Leaving out {}: its vendor, device or class cannot be read", device.getKey()));
        }
        for (Bdf bdf : ids.keySet()) {
            Bdf parent = parentBridge(devices.get(bdf));
            if (parent != null && ids.containsKey(parent) && ids.get(parent).isBridge()) {
                bridges.put(bdf, parent);
            }
        }
        Set<Bdf> slotBridges = new HashSet<>();
        bridges.forEach((child, bridge) -> {
            if (slotBuses.contains(child.busName() + ":" + String.format("%02x", child.device()))) {
                slotBridges.add(bridge);
            }
        });
        List<PciFunction> functions = new ArrayList<>();
        for (var entry : ids.entrySet()) {
            Bdf bdf = entry.getKey();
            Path directory = devices.get(bdf);
            PciId id = entry.getValue();
            Integer group = groups.get(bdf);
            boolean functionReset = resetMethods(directory).stream().anyMatch(FUNCTION_RESETS::contains);
            ResetCapabilities reset = new ResetCapabilities(functionReset, id.isBridge(), id.isBridge() && slotBridges.contains(bdf));
            Bdf physfn = link(directory.resolve("physfn")).flatMap(SysfsTopologyReader::bdf).filter(ids::containsKey).orElse(null);
            functions.add(new PciFunction(bdf, id, link(directory.resolve("driver")).orElse(null), group,
                    bridges.get(bdf), physfn, reset, iommuFacts(group, directory)));
        }
        return new HostTopology(hostname, kernelConfig(), functions, List.of());
    }

    /** {@code class/vfio-dev/vfioN/device}: which PCI function each vfio cdev stands for. */
    public Map<Bdf, String> vfioDeviceNodes() {
        Map<Bdf, String> nodes = new TreeMap<>();
        for (Path node : list(root.resolve("class/vfio-dev"))) {
            link(node.resolve("device")).flatMap(SysfsTopologyReader::bdf)
                    .ifPresent(bdf -> nodes.put(bdf, node.getFileName().toString()));
        }
        return nodes;
    }

    private Map<Bdf, Path> pciDevices() {
        Map<Bdf, Path> devices = new TreeMap<>();
        for (Path entry : list(root.resolve("bus/pci/devices"))) {
            bdf(entry.getFileName().toString()).ifPresentOrElse(bdf -> devices.put(bdf, entry),
                    () -> log.warn("Ignoring {}: not a PCI address", entry));
        }
        return devices;
    }

    /** The group of each function: its {@code iommu_group} link, else the group that lists it. */
    private Map<Bdf, Integer> iommuGroups(Map<Bdf, Path> devices) {
        Map<Bdf, Integer> groups = new HashMap<>();
        for (Path group : list(root.resolve("kernel/iommu_groups"))) {
            Optional<Integer> number = integer(group.getFileName().toString());
            if (number.isEmpty()) {
                continue;
            }
            for (Path member : list(group.resolve("devices"))) {
                bdf(member.getFileName().toString()).ifPresent(bdf -> groups.put(bdf, number.get()));
            }
        }
        for (var device : devices.entrySet()) {
            link(device.getValue().resolve("iommu_group")).flatMap(SysfsTopologyReader::integer)
                    .ifPresent(number -> groups.put(device.getKey(), number));
        }
        return groups;
    }

    /** {@code bus/pci/slots/N/address} holds {@code segment:bus:device} of the slot. */
    private Set<String> slotBuses() {
        Set<String> addresses = new HashSet<>();
        for (Path slot : list(root.resolve("bus/pci/slots"))) {
            text(slot.resolve("address")).ifPresent(address -> addresses.add(address.strip().toLowerCase(Locale.ROOT)));
        }
        return addresses;
    }

    private IommuFacts iommuFacts(Integer group, Path device) {
        if (group == null) {
            return IommuFacts.DEFAULTS;
        }
        IommuFacts defaults = snoopControl(device).map(IommuFacts.DEFAULTS::withEnforceCacheCoherency).orElse(IommuFacts.DEFAULTS);
        defaults = addressWidth(device).map(bits -> new IovaRange(0, bits >= 64 ? -1L : (1L << bits) - 1))
                .map(defaults::withAperture).orElse(defaults);
        Optional<String> regions = text(root.resolve("kernel/iommu_groups/" + group + "/reserved_regions"));
        if (regions.isEmpty()) {
            return defaults;
        }
        List<ReservedRegion> reserved = new ArrayList<>();
        for (String line : regions.get().lines().toList()) {
            String[] fields = line.trim().split("\\s+", -1);
            if (fields.length != 3) {
                continue;
            }
            try {
                reserved.add(new ReservedRegion(new IovaRange(Long.parseUnsignedLong(strip0x(fields[0]), 16),
                        Long.parseUnsignedLong(strip0x(fields[1]), 16)), ReservedRegion.Type.ofSysfsName(fields[2])));
            } catch (IllegalArgumentException unreadable) {
                log.warn("Ignoring reserved region '{}' of IOMMU group {}: {}", line, group, unreadable.getMessage());
            }
        }
        return defaults.withReservedRegions(reserved);
    }

    /**
     * The input address width of the device's Intel IOMMU, its Maximum Guest Address Width (bits 21:16 of
     * its capability register, plus one): a paging domain's aperture ends there (intel_iommu's domain
     * geometry). A virtual IOMMU often has 39 bits where hardware has 48 or 57. Empty for other IOMMUs.
     */
    private Optional<Integer> addressWidth(Path device) {
        return intelIommuRegister(device, "cap").map(cap -> (int) ((cap >>> 16) & 0x3f) + 1);
    }

    private Optional<Long> intelIommuRegister(Path device, String register) {
        return link(device.resolve("iommu"))
                .flatMap(iommu -> text(root.resolve("class/iommu/" + iommu + "/intel-iommu/" + register)))
                .flatMap(value -> {
                    try {
                        return Optional.of(Long.parseUnsignedLong(strip0x(value.strip()), 16));
                    } catch (NumberFormatException unreadable) {
                        return Optional.empty();
                    }
                });
    }

    /**
     * Whether the device's Intel IOMMU can enforce cache-coherent DMA (its DMA is coherent all the same, as
     * intel_iommu_capable() says of every device): Snoop Control, bit 7 of its extended
     * capability register ({@code class/iommu/dmarN/intel-iommu/ecap}), which vfio reports as
     * VFIO_DMA_CC_IOMMU. Empty for other IOMMUs, which keep the default.
     */
    private Optional<Boolean> snoopControl(Path device) {
        return intelIommuRegister(device, "ecap").map(ecap -> (ecap & (1L << 7)) != 0);
    }

    /** The kernel's configuration as the host shows it (KERNEL.md §1); see the class comment. */
    KernelConfig kernelConfig() {
        boolean group = Files.isDirectory(root.resolve("class/vfio"));
        boolean containerNode = Files.exists(dev.resolve("vfio/vfio"));
        boolean type1 = Files.isDirectory(root.resolve("module/vfio_iommu_type1"));
        boolean iommufd = Files.exists(dev.resolve("iommu")) || Files.isDirectory(root.resolve("module/iommufd"));
        boolean noiommu = text(root.resolve("module/vfio/parameters/enable_unsafe_noiommu_mode"))
                .map(value -> value.strip().equals("Y")).orElse(false);
        // vfio registers its devices in the vfio-dev class with or without the cdev; only with it do they have a
        // device number (a dev attribute) and a node under /dev/vfio/devices.
        boolean cdev = iommufd && (Files.isDirectory(dev.resolve("vfio/devices"))
                || list(root.resolve("class/vfio-dev")).stream().anyMatch(node -> Files.isRegularFile(node.resolve("dev"))));
        if (!group && !cdev) {
            throw new IllegalStateException("no vfio on this host: neither " + root.resolve("class/vfio") + " nor "
                    + dev.resolve("vfio/devices") + " exists (load vfio-pci)");
        }
        // /dev/vfio/vfio is the legacy container when type1 serves it, else iommufd's compat container.
        boolean container = group && containerNode && type1;
        boolean compat = group && containerNode && !type1 && iommufd;
        return new KernelConfig(profile(), group, container, compat, cdev, noiommu, iommufd);
    }

    /** linux-6.12 from release 6.12 on, linux-6.6 before it; a release that does not parse is the older. */
    KernelProfile profile() {
        String release = text(procSys.resolve("kernel/osrelease")).map(String::strip).orElse("");
        java.util.regex.Matcher version = java.util.regex.Pattern.compile("^(\\d+)\\.(\\d+)").matcher(release);
        if (version.find()) {
            int major = Integer.parseInt(version.group(1));
            int minor = Integer.parseInt(version.group(2));
            if (major > 6 || (major == 6 && minor >= 12)) {
                return KernelProfile.LINUX_6_12;
            }
        } else {
            log.warn("Cannot read the kernel release from {}; taking the linux-6.6 profile", procSys.resolve("kernel/osrelease"));
        }
        return KernelProfile.LINUX_6_6;
    }

    private Optional<PciId> readId(Path device) {
        Optional<Integer> vendor = text(device.resolve("vendor")).flatMap(SysfsTopologyReader::hex);
        Optional<Integer> deviceId = text(device.resolve("device")).flatMap(SysfsTopologyReader::hex);
        Optional<Integer> classCode = text(device.resolve("class")).flatMap(SysfsTopologyReader::hex);
        if (vendor.isEmpty() || deviceId.isEmpty() || classCode.isEmpty()) {
            return Optional.empty();
        }
        try {
            return Optional.of(new PciId(vendor.get(), deviceId.get(), classCode.get()));
        } catch (TopologyException invalid) {
            log.warn("Unreadable identity in {}: {}", device, invalid.getMessage());
            return Optional.empty();
        }
    }

    private static List<String> resetMethods(Path device) {
        return text(device.resolve("reset_method")).map(methods -> List.of(methods.strip().split("\\s+"))).orElse(List.of());
    }

    /** The directory above the device in {@code /sys/devices}: a bridge's, or the root complex's. */
    private static Bdf parentBridge(Path device) {
        try {
            Path parent = device.toRealPath().getParent();
            return parent == null ? null : bdf(parent.getFileName().toString()).orElse(null);
        } catch (IOException e) {
            return null;
        }
    }

    private static List<Path> list(Path directory) {
        if (!Files.isDirectory(directory)) {
            return List.of();
        }
        List<Path> entries = new ArrayList<>();
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(directory)) {
            stream.forEach(entries::add);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + directory, e);
        }
        entries.sort(null);
        return entries;
    }

    /** The last name of the link's target, or empty when there is no such link. */
    private static Optional<String> link(Path path) {
        if (!Files.isSymbolicLink(path)) {
            return Optional.empty();
        }
        try {
            Path target = Files.readSymbolicLink(path);
            return Optional.ofNullable(target.getFileName()).map(Path::toString);
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private static Optional<String> text(Path file) {
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        try {
            return Optional.of(Files.readString(file));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private static Optional<Bdf> bdf(String text) {
        try {
            return Optional.of(Bdf.parse(text));
        } catch (TopologyException notAnAddress) {
            return Optional.empty();
        }
    }

    private static Optional<Integer> integer(String text) {
        try {
            return Optional.of(Integer.parseInt(text.strip()));
        } catch (NumberFormatException notANumber) {
            return Optional.empty();
        }
    }

    private static Optional<Integer> hex(String text) {
        try {
            return Optional.of(Integer.parseInt(strip0x(text.strip()), 16));
        } catch (NumberFormatException notANumber) {
            return Optional.empty();
        }
    }

    private static String strip0x(String text) {
        return text.startsWith("0x") || text.startsWith("0X") ? text.substring(2) : text;
    }
}
