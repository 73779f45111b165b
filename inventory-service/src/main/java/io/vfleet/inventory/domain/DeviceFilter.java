package io.vfleet.inventory.domain;

/**
 * Which devices a query asks for; every null field matches everything.
 *
 * @param classCode the PCI classes to match: a base class, a subclass or one whole class code
 */
public record DeviceFilter(String node, Integer vendorId, Integer deviceId, ClassCodeMatch classCode, Integer iommuGroup) {
    public static final DeviceFilter ALL = new DeviceFilter(null, null, null, null, null);

    /** Matches the class codes from {@code first} to {@code last}, inclusive: a base class, subclass or whole code. */
    public record ClassCodeMatch(int first, int last) {

        /** {@code 03}, {@code 0302} or {@code 030200}, with or without {@code 0x}. */
        public static ClassCodeMatch parse(String text) {
            String digits = text.startsWith("0x") || text.startsWith("0X") ? text.substring(2) : text;
            if (!digits.matches("[0-9a-fA-F]{2}|[0-9a-fA-F]{4}|[0-9a-fA-F]{6}")) {
                throw new IllegalArgumentException("'" + text + "' is not a PCI class: give 2, 4 or 6 hexadecimal digits"
                        + " (base class 0x03, subclass 0x0302, or the whole code 0x030200)");
            }
            int shift = 4 * (6 - digits.length());
            int value = Integer.parseInt(digits, 16) << shift;
            return new ClassCodeMatch(value, value | ((1 << shift) - 1));
        }
    }
}
