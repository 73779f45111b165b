package io.vfleet.assignment.application;

import java.util.regex.Pattern;

/**
 * The forms of what requests name, shared by every edge so that REST and gRPC accept the same
 * input: PCI addresses as the kernel prints them, and tenant and node names.
 */
public final class Identifiers {

    /** A PCI BDF with its domain, lower-case hexadecimal: {@code 0000:3b:00.0}. */
    public static final String BDF = "[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\\.[0-7]";

    /** A tenant or node name: a letter or digit, then up to 62 letters, digits, '.', '_' or '-'. */
    public static final String NAME = "[A-Za-z0-9][A-Za-z0-9._-]{0,62}";

    private static final Pattern BDF_PATTERN = Pattern.compile(BDF);
    private static final Pattern NAME_PATTERN = Pattern.compile(NAME);

    private Identifiers() {}

    public static boolean isBdf(String text) {
        return BDF_PATTERN.matcher(text).matches();
    }

    public static boolean isName(String text) {
        return NAME_PATTERN.matcher(text).matches();
    }
}
