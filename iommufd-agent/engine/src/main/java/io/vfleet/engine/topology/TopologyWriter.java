package io.vfleet.engine.topology;

import io.vfleet.engine.IovaRange;
import io.vfleet.engine.KernelConfig;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;
import java.util.regex.Pattern;

/**
 * Writes a {@link HostTopology} as a topology file that {@link TopologyLoader} reads back to an equal
 * record: the agent's snapshot and its GetTopology answer.
 *
 * <p>To keep the text short the IOMMU facts most functions share become the host's {@code defaults:}
 * block (written only where they differ from the built-in x86 facts), and each device lists only the
 * facts where it differs from those. Absent fields mean: no driver, no IOMMU group, on a root bus,
 * not a virtual function, no reset.
 */
public final class TopologyWriter {
    /** Text that reads back as the same string when written plain. */
    private static final Pattern PLAIN_SAFE = Pattern.compile("[A-Za-z0-9_./][A-Za-z0-9_./:+-]*");

    private TopologyWriter() {
    }

    public static String write(HostTopology topology) {
        StringBuilder out = new StringBuilder();
        out.append("hostname: ").append(scalar(topology.hostname())).append('\n');
        KernelConfig kernel = topology.kernel();
        out.append("kernel:\n")
                .append("  profile: ").append(kernel.profile().label()).append('\n')
                .append("  vfioGroup: ").append(kernel.vfioGroup()).append('\n')
                .append("  vfioContainer: ").append(kernel.vfioContainer()).append('\n')
                .append("  iommufdVfioContainer: ").append(kernel.iommufdVfioContainer()).append('\n')
                .append("  vfioDeviceCdev: ").append(kernel.vfioDeviceCdev()).append('\n')
                .append("  unsafeNoiommuMode: ").append(kernel.unsafeNoiommuMode()).append('\n');
        if (!kernel.iommufd()) {
            out.append("  iommufd: false\n");
        }
        IommuFacts hostDefaults = mostCommonIommuFacts(topology.functions());
        List<String> defaultLines = iommuLines(hostDefaults, IommuFacts.DEFAULTS);
        if (!defaultLines.isEmpty()) {
            out.append("defaults:\n  iommu:\n");
            defaultLines.forEach(line -> out.append("    ").append(line).append('\n'));
        }
        if (topology.functions().isEmpty()) {
            out.append("devices: []\n");
        } else {
            out.append("devices:\n");
            topology.functions().forEach(function -> writeFunction(out, function, hostDefaults));
        }
        if (!topology.emulatedDevices().isEmpty()) {
            out.append("emulatedDevices:\n");
            for (EmulatedDeviceSpec device : topology.emulatedDevices()) {
                StringJoiner fields = new StringJoiner(", ", "  - {", "}\n");
                fields.add("name: " + scalar(device.name())).add("type: " + scalar(device.type()));
                if (device.parent() != null) {
                    fields.add("parent: " + device.parent());
                }
                if (device.requiresKvm()) {
                    fields.add("requiresKvm: true");
                }
                out.append(fields);
            }
        }
        return out.toString();
    }

    private static void writeFunction(StringBuilder out, PciFunction function, IommuFacts hostDefaults) {
        PciId id = function.id();
        out.append("  - bdf: ").append(function.bdf()).append('\n');
        out.append(String.format("    id: {vendor: 0x%04x, device: 0x%04x, class: 0x%06x}\n",
                id.vendorId(), id.deviceId(), id.classCode()));
        if (function.driver() != null) {
            out.append("    driver: ").append(scalar(function.driver())).append('\n');
        }
        if (function.iommuGroup() != null) {
            out.append("    iommuGroup: ").append(function.iommuGroup()).append('\n');
        }
        if (function.upstreamBridge() != null) {
            out.append("    upstreamBridge: ").append(function.upstreamBridge()).append('\n');
        }
        if (function.physfn() != null) {
            out.append("    physfn: ").append(function.physfn()).append('\n');
        }
        ResetCapabilities reset = function.reset();
        if (!reset.equals(ResetCapabilities.NONE)) {
            StringJoiner flags = new StringJoiner(", ", "    reset: {", "}\n");
            if (reset.functionReset()) {
                flags.add("functionReset: true");
            }
            if (reset.secondaryBusReset()) {
                flags.add("secondaryBusReset: true");
            }
            if (reset.slotReset()) {
                flags.add("slotReset: true");
            }
            out.append(flags);
        }
        List<String> iommuLines = iommuLines(function.iommu(), hostDefaults);
        if (!iommuLines.isEmpty()) {
            out.append("    iommu:\n");
            iommuLines.forEach(line -> out.append("      ").append(line).append('\n'));
        }
    }

    /** The lines of an {@code iommu:} block giving every field of {@code facts} that differs from {@code base}. */
    private static List<String> iommuLines(IommuFacts facts, IommuFacts base) {
        List<String> lines = new ArrayList<>();
        if (!facts.aperture().equals(base.aperture())) {
            lines.add("aperture: " + range(facts.aperture()));
        }
        if (!facts.reservedRegions().equals(base.reservedRegions())) {
            if (facts.reservedRegions().isEmpty()) {
                lines.add("reservedRegions: []");
            } else {
                lines.add("reservedRegions:");
                for (ReservedRegion region : facts.reservedRegions()) {
                    String range = range(region.range());
                    lines.add("  - " + range.substring(0, range.length() - 1) + ", type: " + region.type().sysfsName() + "}");
                }
            }
        }
        if (facts.pageSizeBitmap() != base.pageSizeBitmap()) {
            StringJoiner sizes = new StringJoiner(", ", "pageSizes: [", "]");
            for (int bit = 0; bit < Long.SIZE; bit++) {
                if ((facts.pageSizeBitmap() & (1L << bit)) != 0) {
                    sizes.add(pageSize(bit));
                }
            }
            lines.add(sizes.toString());
        }
        if (facts.cacheCoherent() != base.cacheCoherent()) {
            lines.add("cacheCoherent: " + facts.cacheCoherent());
        }
        if (facts.enforceCacheCoherency() != facts.cacheCoherent()) {
            lines.add("enforceCacheCoherency: " + facts.enforceCacheCoherency());
        }
        if (facts.msiIsolated() != base.msiIsolated()) {
            lines.add("msiIsolated: " + facts.msiIsolated());
        }
        if (facts.requiresKvm() != base.requiresKvm()) {
            lines.add("requiresKvm: " + facts.requiresKvm());
        }
        return lines;
    }

    private static IommuFacts mostCommonIommuFacts(List<PciFunction> functions) {
        Map<IommuFacts, Integer> counts = new LinkedHashMap<>();
        functions.forEach(function -> counts.merge(function.iommu(), 1, Integer::sum));
        IommuFacts common = IommuFacts.DEFAULTS;
        int best = 0;
        for (Map.Entry<IommuFacts, Integer> entry : counts.entrySet()) {
            if (entry.getValue() > best) {
                common = entry.getKey();
                best = entry.getValue();
            }
        }
        return common;
    }

    private static String range(IovaRange range) {
        return "{start: 0x" + Long.toHexString(range.start()) + ", last: 0x" + Long.toHexString(range.last()) + "}";
    }

    /** 4K, 2M, 1G, 1T; the unit is the largest one that divides the size. */
    private static String pageSize(int bit) {
        String[] units = {"", "K", "M", "G", "T"};
        int unit = Math.min(bit / 10, units.length - 1);
        return (1L << (bit - unit * 10)) + units[unit];
    }

    /** {@code text} plain when it reads back as the same string, else double-quoted. */
    static String scalar(String text) {
        if (PLAIN_SAFE.matcher(text).matches() && !text.endsWith(":")
                && text.equals(new YamlNode.Scalar(text, YamlNode.Style.PLAIN, new YamlNode.Mark(1, 1)).value())) {
            return text;
        }
        StringBuilder quoted = new StringBuilder("\"");
        text.codePoints().forEach(codePoint -> {
            switch (codePoint) {
                case '"' -> quoted.append("\\\"");
                case '\\' -> quoted.append("\\\\");
                case '\n' -> quoted.append("\\n");
                case '\t' -> quoted.append("\\t");
                default -> {
                    if (codePoint < 0x20 || codePoint == 0x7f) {
                        quoted.append(String.format("\\x%02x", codePoint));
                    } else {
                        quoted.appendCodePoint(codePoint);
                    }
                }
            }
        });
        return quoted.append('"').toString();
    }
}
