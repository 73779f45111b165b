package io.vfleet.engine.topology.yaml;

import io.vfleet.engine.IovaRange;
import io.vfleet.engine.KernelConfig;
import io.vfleet.engine.KernelProfile;
import io.vfleet.engine.topology.Bdf;
import io.vfleet.engine.topology.EmulatedDeviceSpec;
import io.vfleet.engine.topology.HostTopology;
import io.vfleet.engine.topology.IommuFacts;
import io.vfleet.engine.topology.PciFunction;
import io.vfleet.engine.topology.PciId;
import io.vfleet.engine.topology.ReservedRegion;
import io.vfleet.engine.topology.ResetCapabilities;
import io.vfleet.engine.topology.TopologyException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.api.lowlevel.Compose;
import org.snakeyaml.engine.v2.exceptions.MarkedYamlEngineException;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.schema.CoreSchema;

/**
 * Builds a {@link HostTopology} from a topology file (the shipped ones are in {@code deploy/topologies/}).
 * SnakeYAML Engine reads the YAML (1.2, core schema) into nodes that know their positions; this class
 * reads the topology's fields from them.
 *
 * <p>Everything is validated on load and every refusal is a {@link TopologyException} naming the file,
 * line, column and field path ({@code devices[3].iommuGroup}). Unknown keys are refused, so a typo never
 * passes silently. The {@code kernel:} block defaults to {@link KernelConfig#defaults} of its profile,
 * adjusted where a given option forces another (no container without groups, cdev forced on without
 * groups). A host-level {@code defaults: iommu:} block replaces the built-in x86 IOMMU facts field by
 * field, and a device's own {@code iommu:} block does the same over the host's.
 */
public final class TopologyLoader {
    private static final List<String> TOP_KEYS = List.of("hostname", "kernel", "defaults", "devices", "emulatedDevices");
    private static final List<String> KERNEL_KEYS = List.of("profile", "vfioGroup", "vfioContainer", "iommufdVfioContainer",
            "vfioDeviceCdev", "unsafeNoiommuMode", "iommufd");
    private static final List<String> DEVICE_KEYS = List.of("bdf", "id", "driver", "iommuGroup", "upstreamBridge", "physfn",
            "reset", "iommu");
    private static final List<String> ID_KEYS = List.of("vendor", "device", "class");
    private static final List<String> RESET_KEYS = List.of("functionReset", "secondaryBusReset", "slotReset");
    private static final List<String> IOMMU_KEYS = List.of("aperture", "reservedRegions", "pageSizes", "cacheCoherent",
            "msiIsolated", "requiresKvm", "enforceCacheCoherency");
    private static final List<String> EMULATED_KEYS = List.of("name", "type", "parent", "requiresKvm");
    private static final List<String> RANGE_KEYS = List.of("start", "last");
    private static final List<String> REGION_KEYS = List.of("start", "last", "type");
    /** KernelConfig names the offending option first: "kernel.vfioContainer: needs vfioGroup ...". */
    private static final Pattern KERNEL_CONFIG_MESSAGE = Pattern.compile("(kernel\\.\\w+): (.*)", Pattern.DOTALL);
    private static final Pattern PAGE_SIZE = Pattern.compile("([0-9]+)([KMGT])");
    /** A topology is a few hundred lines; anything far larger is not one, and is refused before it is read. */
    private static final int LARGEST_FILE = 4 << 20;

    private TopologyLoader() {
    }

    /** Reads the topology file at {@code path}; errors name the file as given. */
    public static HostTopology load(Path path) throws IOException {
        if (Files.size(path) > LARGEST_FILE) {
            throw tooLarge(path.toString());
        }
        return parse(Files.readString(path, StandardCharsets.UTF_8), path.toString());
    }

    /** Reads a topology from {@code source}; {@code name} is used in error messages. */
    public static HostTopology parse(String source, String name) {
        if (source.length() > LARGEST_FILE) {
            throw tooLarge(name);
        }
        FieldReader.Context context = new FieldReader.Context(name, new HashMap<>());
        Node root = compose(source, name)
                .orElseThrow(() -> context.error("hostname", FieldReader.Position.START, "required (the document is empty)"));
        FieldReader top = FieldReader.open(root, "", TOP_KEYS, context);
        String hostname = top.requiredString("hostname");
        KernelConfig kernel = kernel(top);
        IommuFacts defaults = top.mapping("defaults", List.of("iommu"))
                .flatMap(block -> block.mapping("iommu", IOMMU_KEYS))
                .map(block -> iommu(block, IommuFacts.DEFAULTS))
                .orElse(IommuFacts.DEFAULTS);
        List<PciFunction> functions = new ArrayList<>();
        List<Node> devices = top.sequence("devices");
        for (int index = 0; index < devices.size(); index++) {
            FieldReader device = FieldReader.open(devices.get(index), "devices[" + index + "]", DEVICE_KEYS, context);
            functions.add(function(device, defaults));
        }
        List<EmulatedDeviceSpec> emulated = new ArrayList<>();
        List<Node> emulatedNodes = top.sequence("emulatedDevices");
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
                throw block.error("profile", block.positionOf("profile"), unknown.getMessage());
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
        Bdf bdf = device.bdf("bdf").orElseThrow(() -> device.error("bdf", device.positionOf("bdf"), "required"));
        FieldReader idBlock = device.mapping("id", ID_KEYS)
                .orElseThrow(() -> device.error("id", device.positionOf("id"), "required ({vendor: 0x.., device: 0x.., class: 0x..})"));
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
            List<Node> items = block.sequence("reservedRegions");
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
        List<Node> sizes = block.sequence("pageSizes");
        for (int index = 0; index < sizes.size(); index++) {
            Node node = sizes.get(index);
            String field = block.pathOf("pageSizes") + "[" + index + "]";
            long size = node instanceof ScalarNode scalar ? pageSize(scalar) : 0;
            if (size == 0 || Long.bitCount(size) != 1) {
                throw block.context().error(field, FieldReader.Position.of(node), "expected a power of two such as 4K, 2M or 1G, got "
                        + (node instanceof ScalarNode scalar ? "'" + scalar.getValue() + "'" : "a collection"));
            }
            bitmap |= size;
        }
        if (bitmap == 0) {
            throw block.error("pageSizes", block.positionOf("pageSizes"), "an IOMMU supports at least one page size");
        }
        return bitmap;
    }

    private static long pageSize(ScalarNode scalar) {
        Matcher suffixed = PAGE_SIZE.matcher(scalar.getValue().toUpperCase(Locale.ROOT));
        if (scalar.isPlain() && suffixed.matches() && suffixed.group(1).length() < 12) {
            int shift = switch (suffixed.group(2)) {
                case "K" -> 10;
                case "M" -> 20;
                case "G" -> 30;
                default -> 40;
            };
            long size = Long.parseLong(suffixed.group(1)) << shift;
            return size >>> shift == Long.parseLong(suffixed.group(1)) ? size : 0;
        }
        Long plain = FieldReader.integerValue(scalar);
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

    /** Adds the position of the field, or of the nearest enclosing field that was read. */
    private static TopologyException locate(TopologyException refused, FieldReader.Context context) {
        String path = refused.field();
        while (!path.isEmpty()) {
            FieldReader.Position position = context.positions().get(path);
            if (position != null) {
                return refused.at(context.source(), position.line(), position.column());
            }
            int cut = Math.max(path.lastIndexOf('.'), path.lastIndexOf('['));
            path = cut < 0 ? "" : path.substring(0, cut);
        }
        FieldReader.Position top = context.positions().getOrDefault("", FieldReader.Position.START);
        return refused.at(context.source(), top.line(), top.column());
    }

    private static TopologyException tooLarge(String name) {
        return TopologyException.syntax(name, 1, 1, "larger than " + (LARGEST_FILE >> 20) + " MiB, which no host's topology is");
    }

    /** The document's root node, empty for an empty document; a text that is not one YAML document is refused. */
    private static Optional<Node> compose(String source, String name) {
        LoadSettings settings = LoadSettings.builder()
                .setLabel(name)
                .setSchema(new CoreSchema())
                .setCodePointLimit(LARGEST_FILE)
                .setMaxAliasesForCollections(10)
                .build();
        try {
            return new Compose(settings).composeString(source);
        } catch (MarkedYamlEngineException malformed) {
            FieldReader.Position position = malformed.getProblemMark().or(malformed::getContextMark)
                    .map(mark -> new FieldReader.Position(mark.getLine() + 1, mark.getColumn() + 1))
                    .orElse(FieldReader.Position.START);
            String context = malformed.getContext() == null ? "" : " (" + malformed.getContext() + ")";
            throw TopologyException.syntax(name, position.line(), position.column(), malformed.getProblem() + context);
        } catch (YamlEngineException malformed) {
            throw TopologyException.syntax(name, 1, 1, malformed.getMessage());
        }
    }
}
