package io.vfleet.engine.topology;

import java.util.Comparator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A PCI function address, {@code segment:bus:device.function}, as the kernel names a PCI device in sysfs
 * ({@code pci_name()} in {@code include/linux/pci.h}): {@code 0000:3b:00.0}.
 *
 * <p>Ranges are those of the PCI bus: segment (domain) 16 bits, bus 8 bits, device 5 bits, function
 * 3 bits (ARI, which folds device into function, is not modelled). Ordered as {@code lspci} lists them.
 */
public record Bdf(int segment, int bus, int device, int function) implements Comparable<Bdf> {
    private static final Pattern TEXT = Pattern.compile(
            "(?:([0-9a-fA-F]{1,4}):)?([0-9a-fA-F]{1,2}):([0-9a-fA-F]{1,2})\\.([0-9a-fA-F])");
    private static final Comparator<Bdf> ORDER = Comparator.comparingInt(Bdf::segment)
            .thenComparingInt(Bdf::bus).thenComparingInt(Bdf::device).thenComparingInt(Bdf::function);

    public Bdf {
        check("segment", segment, 0xffff);
        check("bus", bus, 0xff);
        check("device", device, 0x1f);
        check("function", function, 7);
    }

    /**
     * Reads {@code 0000:3b:00.0}, or {@code 3b:00.0} for segment 0, as {@code lspci} prints it; hexadecimal
     * in either case.
     */
    public static Bdf parse(String text) {
        Matcher matcher = TEXT.matcher(text);
        if (!matcher.matches()) {
            throw new TopologyException("", "'" + text + "' is not a PCI address (expected segment:bus:device.function, such as 0000:3b:00.0)");
        }
        int segment = matcher.group(1) == null ? 0 : Integer.parseInt(matcher.group(1), 16);
        try {
            return new Bdf(segment, Integer.parseInt(matcher.group(2), 16),
                    Integer.parseInt(matcher.group(3), 16), Integer.parseInt(matcher.group(4), 16));
        } catch (TopologyException outOfRange) {
            throw new TopologyException("", "'" + text + "': " + outOfRange.reason());
        }
    }

    /** The 8-bit device/function number as config space and hot-reset info report it. */
    public int devfn() {
        return device << 3 | function;
    }

    /** The bus this function sits on, {@code 0000:3b}. */
    public String busName() {
        return String.format("%04x:%02x", segment, bus);
    }

    public boolean onSameBus(Bdf other) {
        return segment == other.segment && bus == other.bus;
    }

    @Override
    public int compareTo(Bdf other) {
        return ORDER.compare(this, other);
    }

    /** Canonical lowercase form, {@code 0000:3b:00.0}. */
    @Override
    public String toString() {
        return String.format("%04x:%02x:%02x.%x", segment, bus, device, function);
    }

    private static void check(String part, int value, int maximum) {
        if (value < 0 || value > maximum) {
            throw new TopologyException("", part + " 0x" + Integer.toHexString(value) + " is outside 0x0..0x" + Integer.toHexString(maximum));
        }
    }
}
