package io.vfleet.engine.topology;

import io.vfleet.engine.IovaRange;
import io.vfleet.engine.KernelConfig;
import io.vfleet.engine.KernelProfile;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Builds a {@link HostTopology} from a topology file (the format {@link TopologyWriter} writes; the
 * shipped ones are in {@code deploy/topologies/}).
 *
 * <p>Everything is validated on load and every refusal is a {@link TopologyException} naming the file,
 * line, column and field path ({@code devices[3].iommuGroup}). Unknown keys are refused, so a typo never
 * passes silently. The {@code kernel:} block defaults to {@link KernelConfig#defaults} of its profile,
 * adjusted where a given option forces another (no container without groups, cdev forced on without
 * groups). A host-level {@code defaults: iommu:} block replaces the built-in x86 IOMMU facts field by
 * field, and a device's own {@code iommu:} block does the same over the host's.
 */
public final class TopologyLoader {
    static final List<String> TOP_KEYS = List.of("hostname", "kernel", "defaults", "devices", "emulatedDevices");
    static final List<String> KERNEL_KEYS = List.of("profile", "vfioGroup", "vfioContainer", "iommufdVfioContainer",
            "vfioDeviceCdev", "unsafeNoiommuMode", "iommufd");
    static final List<String> DEVICE_KEYS = List.of("bdf", "id", "driver", "iommuGroup", "upstreamBridge", "physfn",
            "reset", "iommu");
    static final List<String> ID_KEYS = List.of("vendor", "device", "class");
    static final List<String> RESET_KEYS = List.of("functionReset", "secondaryBusReset", "slotReset");
    static final List<String> IOMMU_KEYS = List.of("aperture", "reservedRegions", "pageSizes", "cacheCoherent",
            "msiIsolated", "requiresKvm", "enforceCacheCoherency");
    static final List<String> EMULATED_KEYS = List.of("name", "type", "parent", "requiresKvm");
    private static final List<String> RANGE_KEYS = List.of("start", "last");
    private static final List<String> REGION_KEYS = List.of("start", "last", "type");
    /** KernelConfig names the offending option first: "kernel.vfioContainer: needs vfioGroup ...". */
    private static final Pattern KERNEL_CONFIG_MESSAGE = Pattern.compile("(kernel\\.\\w+): (.*)", Pattern.DOTALL);
    private static final Pattern PAGE_SIZE = Pattern.compile("([0-9]+)([KMGT])");

    private TopologyLoader() {
    }

    /** Reads the topology file at {@code path}; errors name the file as given. */
    public static HostTopology load(Path path) throws IOException {
        return parse(Files.readString(path, StandardCharsets.UTF_8), path.toString());
    }

    /** Reads a topology from {@code source}; {@code name} is used in error messages. */
    public static HostTopology parse(String source, String name) {
        YamlNode root = YamlReader.read(source, name);
        Map<String, YamlNode.Mark> marks = new HashMap<>();
        FieldReader.Context context = new FieldReader.Context(name, marks);
        if (root instanceof YamlNode.Scalar scalar && scalar.isNull()) {
            throw context.error("hostname", root.mark(), "required (the document is empty)");
        }
        FieldReader top = FieldReader.open(root, "", TOP_KEYS, context);
        String hostname = top.requiredString("hostname");
        KernelConfig kernel = kernel(top);
        IommuFacts defaults = top.mapping("defaults", List.of("iommu"))
                .flatMap(block -> block.mapping("iommu", IOMMU_KEYS))
                .map(block -> iommu(block, IommuFacts.DEFAULTS))
                .orElse(IommuFacts.DEFAULTS);
        List<PciFunction> functions = new ArrayList<>();
        List<YamlNode> devices = top.sequence("devices");
        for (int index = 0; index < devices.size(); index++) {
            FieldReader device = FieldReader.open(devices.get(index), "devices[" + index + "]", DEVICE_KEYS, context);
            functions.add(function(device, defaults));
        }
        List<EmulatedDeviceSpec> emulated = new ArrayList<>();
        List<YamlNode> emulatedNodes = top.sequence("emulatedDevices");
        for (int index = 0; index < emulatedNodes.size(); index++) {
            FieldReader device = FieldReader.open(emulatedNodes.get(index), "emulatedDevices[" + index + "]", EMULATED_KEYS, context);
            emulated.add(build(device, () -> new EmulatedDeviceSpec(device.requiredString("name"), device.requiredString("type"),
                    device.bdf("parent").orElse(null), device.bool("requiresKvm", false))));
        }
        try {
            return new HostTopology(hostname, kernel, functions, emulated);
        } catch (TopologyException invalid) {
            throw locate(invalid, context);
        }
    }

    private static KernelConfig kernel(FieldReader top) {
        FieldReader block = top.mapping("kernel", KERNEL_KEYS).orElse(null);
        if (block == null) {
            return KernelConfig.defaults(KernelProfile.V11);
        }
        KernelProfile profile = block.string("profile").map(label -> {
            try {
                return KernelProfile.ofLabel(label);
            } catch (IllegalArgumentException unknown) {
                throw block.error("profile", block.markOf("profile"), unknown.getMessage());
            }
        }).orElse(KernelProfile.V11);
        KernelConfig defaults = KernelConfig.defaults(profile);
        boolean iommufd = block.bool("iommufd", defaults.iommufd());
        boolean vfioGroup = block.bool("vfioGroup", defaults.vfioGroup());
        boolean iommufdVfioContainer = block.bool("iommufdVfioContainer", defaults.iommufdVfioContainer());
        // Defaults follow the Kconfig dependencies, so that naming one option does not force naming the others.
        boolean vfioContainer = block.bool("vfioContainer", defaults.vfioContainer() && vfioGroup && !iommufdVfioContainer);
        boolean vfioDeviceCdev = block.bool("vfioDeviceCdev", iommufd && (defaults.vfioDeviceCdev() || !vfioGroup));
        boolean unsafeNoiommuMode = block.bool("unsafeNoiommuMode", defaults.unsafeNoiommuMode());
        try {
            return new KernelConfig(profile, vfioGroup, vfioContainer, iommufdVfioContainer, vfioDeviceCdev, unsafeNoiommuMode,
                    iommufd);
        } catch (IllegalArgumentException refused) {
            Matcher named = KERNEL_CONFIG_MESSAGE.matcher(String.valueOf(refused.getMessage()));
            String field = named.matches() ? named.group(1) : "kernel";
            String reason = named.matches() ? named.group(2) : refused.getMessage();
            throw locate(new TopologyException(field, reason), block.context());
        }
    }

    private static PciFunction function(FieldReader device, IommuFacts defaults) {
        Bdf bdf = device.bdf("bdf").orElseThrow(() -> device.error("bdf", device.markOf("bdf"), "required"));
        FieldReader idBlock = device.mapping("id", ID_KEYS)
                .orElseThrow(() -> device.error("id", device.markOf("id"), "required ({vendor: 0x.., device: 0x.., class: 0x..})"));
        PciId id = build(idBlock, () -> new PciId(requiredInt(idBlock, "vendor"), requiredInt(idBlock, "device"),
                requiredInt(idBlock, "class")));
        ResetCapabilities reset = device.mapping("reset", RESET_KEYS)
                .map(block -> new ResetCapabilities(block.bool("functionReset", false),
                        block.bool("secondaryBusReset", false), block.bool("slotReset", false)))
                .orElse(ResetCapabilities.NONE);
        IommuFacts iommu = device.mapping("iommu", IOMMU_KEYS).map(block -> iommu(block, defaults)).orElse(defaults);
        String driver = device.string("driver").orElse(null);
        Integer iommuGroup = device.boundedInteger("iommuGroup", Integer.MIN_VALUE, Integer.MAX_VALUE).orElse(null);
        Bdf upstreamBridge = device.bdf("upstreamBridge").orElse(null);
        Bdf physfn = device.bdf("physfn").orElse(null);
        return build(device, () -> new PciFunction(bdf, id, driver, iommuGroup, upstreamBridge, physfn, reset, iommu));
    }

    private static int requiredInt(FieldReader block, String key) {
        block.required(key);
        return block.boundedInteger(key, Integer.MIN_VALUE, Integer.MAX_VALUE).orElseThrow();
    }

    /** The facts in {@code block}, each field not given taken from {@code base}. */
    private static IommuFacts iommu(FieldReader block, IommuFacts base) {
        IommuFacts facts = base;
        FieldReader aperture = block.mapping("aperture", RANGE_KEYS).orElse(null);
        if (aperture != null) {
            facts = facts.withAperture(range(aperture));
        }
        if (block.node("reservedRegions").isPresent()) {
            List<ReservedRegion> regions = new ArrayList<>();
            List<YamlNode> items = block.sequence("reservedRegions");
            for (int index = 0; index < items.size(); index++) {
                FieldReader region = FieldReader.open(items.get(index), block.pathOf("reservedRegions") + "[" + index + "]",
                        REGION_KEYS, block.context());
                IovaRange range = range(region);
                String type = region.requiredString("type");
                regions.add(build(region, () -> new ReservedRegion(range, ReservedRegion.Type.ofSysfsName(type))));
            }
            facts = facts.withReservedRegions(regions);
        }
        if (block.node("pageSizes").isPresent()) {
            facts = facts.withPageSizeBitmap(pageSizeBitmap(block));
        }
        facts = facts.withCacheCoherent(block.bool("cacheCoherent", facts.cacheCoherent()));
        facts = facts.withEnforceCacheCoherency(block.bool("enforceCacheCoherency", facts.enforceCacheCoherency()));
        facts = facts.withMsiIsolated(block.bool("msiIsolated", facts.msiIsolated()));
        return facts.withRequiresKvm(block.bool("requiresKvm", facts.requiresKvm()));
    }

    private static IovaRange range(FieldReader block) {
        long start = block.requiredInteger("start");
        long last = block.requiredInteger("last");
        if (Long.compareUnsigned(start, last) > 0) {
            throw locate(new TopologyException(block.path(), "start 0x" + Long.toHexString(start) + " is after last 0x"
                    + Long.toHexString(last) + " (last is inclusive)"), block.context());
        }
        return new IovaRange(start, last);
    }

    /** {@code pageSizes: [4K, 2M, 1G]}: powers of two, with K, M, G or T suffixes or as plain integers. */
    private static long pageSizeBitmap(FieldReader block) {
        long bitmap = 0;
        List<YamlNode> sizes = block.sequence("pageSizes");
        for (int index = 0; index < sizes.size(); index++) {
            YamlNode node = sizes.get(index);
            String field = block.pathOf("pageSizes") + "[" + index + "]";
            long size = node instanceof YamlNode.Scalar scalar ? pageSize(scalar) : 0;
            if (size == 0 || Long.bitCount(size) != 1) {
                throw locate(new TopologyException(field, "expected a power of two such as 4K, 2M or 1G, got "
                        + (node instanceof YamlNode.Scalar scalar ? "'" + scalar.text() + "'" : "a collection")), block.context(), node.mark());
            }
            bitmap |= size;
        }
        if (bitmap == 0) {
            throw block.error("pageSizes", block.markOf("pageSizes"), "an IOMMU supports at least one page size");
        }
        return bitmap;
    }

    private static long pageSize(YamlNode.Scalar scalar) {
        Matcher suffixed = PAGE_SIZE.matcher(scalar.text().toUpperCase(Locale.ROOT));
        if (scalar.style() == YamlNode.Style.PLAIN && suffixed.matches() && suffixed.group(1).length() < 12) {
            int shift = switch (suffixed.group(2)) {
                case "K" -> 10;
                case "M" -> 20;
                case "G" -> 30;
                default -> 40;
            };
            long size = Long.parseLong(suffixed.group(1)) << shift;
            return size >>> shift == Long.parseLong(suffixed.group(1)) ? size : 0;
        }
        Long plain = scalar.integerValue();
        return plain == null ? 0 : plain;
    }

    /** Runs a record constructor, reporting its refusal under the path of the block being read. */
    private static <T> T build(FieldReader block, Supplier<T> constructor) {
        try {
            return constructor.get();
        } catch (TopologyException refused) {
            throw locate(refused.line() > 0 ? refused : refused.within(block.path()), block.context());
        }
    }

    private static TopologyException locate(TopologyException refused, FieldReader.Context context) {
        return locate(refused, context, null);
    }

    /** Adds the position of the field, or of the nearest enclosing field that was read. */
    private static TopologyException locate(TopologyException refused, FieldReader.Context context, YamlNode.Mark known) {
        if (known != null) {
            return refused.at(context.source(), known);
        }
        String path = refused.field();
        while (!path.isEmpty()) {
            YamlNode.Mark mark = context.marks().get(path);
            if (mark != null) {
                return refused.at(context.source(), mark);
            }
            int cut = Math.max(path.lastIndexOf('.'), path.lastIndexOf('['));
            path = cut < 0 ? "" : path.substring(0, cut);
        }
        return refused.at(context.source(), context.marks().getOrDefault("", new YamlNode.Mark(1, 1)));
    }
}
