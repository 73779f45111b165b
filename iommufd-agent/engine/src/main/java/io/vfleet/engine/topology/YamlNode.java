package io.vfleet.engine.topology;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * A node of a YAML document as {@link YamlReader} reads it: a scalar, a sequence or a mapping, each with
 * the position where it starts, so that whoever interprets the document can point at the line of a
 * wrong value.
 *
 * <p>Scalars keep their text; their type is resolved on request by the YAML 1.2 core schema (null,
 * booleans, decimal, {@code 0x} hexadecimal and {@code 0o} octal integers), and only for plain scalars:
 * a quoted scalar is always a string. Integers are 64-bit two's complement, so {@code 0xffffffffffffffff}
 * is -1 and unsigned 64-bit addresses survive.
 */
public sealed interface YamlNode permits YamlNode.Scalar, YamlNode.Sequence, YamlNode.Mapping {

    /** Where a node starts: 1-based line and column. */
    record Mark(int line, int column) {
        @Override
        public String toString() {
            return line + ":" + column;
        }
    }

    Mark mark();

    /** How a scalar was written; only plain scalars are typed. */
    enum Style { PLAIN, SINGLE_QUOTED, DOUBLE_QUOTED }

    record Scalar(String text, Style style, Mark mark) implements YamlNode {
        public Scalar {
            Objects.requireNonNull(text);
            Objects.requireNonNull(style);
            Objects.requireNonNull(mark);
        }

        static Scalar nullAt(Mark mark) {
            return new Scalar("", Style.PLAIN, mark);
        }

        public boolean isNull() {
            return style == Style.PLAIN && switch (text) {
                case "", "~", "null", "Null", "NULL" -> true;
                default -> false;
            };
        }

        /** The boolean this scalar spells ({@code true}, {@code False}, ...), or null if it is not one. */
        public Boolean booleanValue() {
            if (style != Style.PLAIN) {
                return null;
            }
            return switch (text) {
                case "true", "True", "TRUE" -> Boolean.TRUE;
                case "false", "False", "FALSE" -> Boolean.FALSE;
                default -> null;
            };
        }

        /** The integer this scalar spells, or null if it is not one; hexadecimal and octal are unsigned. */
        public Long integerValue() {
            if (style != Style.PLAIN || text.isEmpty()) {
                return null;
            }
            String lower = text.toLowerCase(Locale.ROOT);
            try {
                if (lower.startsWith("0x") && lower.length() > 2) {
                    return Long.parseUnsignedLong(lower.substring(2), 16);
                }
                if (lower.startsWith("0o") && lower.length() > 2) {
                    return Long.parseUnsignedLong(lower.substring(2), 8);
                }
                if (lower.matches("[-+]?[0-9]+")) {
                    return lower.startsWith("-") ? Long.parseLong(lower) : Long.parseUnsignedLong(lower.replace("+", ""));
                }
            } catch (NumberFormatException tooLarge) {
                return null;
            }
            return null;
        }

        /** The value by the core schema: null, a Boolean, a Long, or the text as a String. */
        public Object value() {
            if (isNull()) {
                return null;
            }
            Boolean bool = booleanValue();
            if (bool != null) {
                return bool;
            }
            Long integer = integerValue();
            return integer != null ? integer : text;
        }
    }

    record Sequence(List<YamlNode> items, Mark mark) implements YamlNode {
        public Sequence {
            items = List.copyOf(items);
            Objects.requireNonNull(mark);
        }
    }

    /** One {@code key: value} pair; the key is kept as a node for its position. */
    record Entry(Scalar key, YamlNode value) {
    }

    /** A mapping with unique keys, in the order written. */
    record Mapping(List<Entry> entries, Mark mark) implements YamlNode {
        public Mapping {
            entries = List.copyOf(entries);
            Objects.requireNonNull(mark);
        }

        /** The entry for {@code key}, or null. */
        public Entry entry(String key) {
            for (Entry entry : entries) {
                if (entry.key().text().equals(key)) {
                    return entry;
                }
            }
            return null;
        }

        /** The value for {@code key}, or null when the key is absent. */
        public YamlNode get(String key) {
            Entry entry = entry(key);
            return entry == null ? null : entry.value();
        }

        public List<String> keys() {
            List<String> keys = new ArrayList<>(entries.size());
            for (Entry entry : entries) {
                keys.add(entry.key().text());
            }
            return keys;
        }
    }
}
