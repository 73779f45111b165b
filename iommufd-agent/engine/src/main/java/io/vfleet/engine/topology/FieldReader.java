package io.vfleet.engine.topology;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The fields of one YAML mapping of a topology file, read by name with their types checked.
 *
 * <p>Keys are checked against the allowed set as soon as the mapping is opened, so a typo
 * ({@code iommuGrup}) is refused by name before anything else can go wrong. Every field read records the
 * position of its value under its full path, so that checks made later on the built records can still
 * point at a line.
 */
final class FieldReader {
    private final String source;
    private final String path;
    private final YamlNode.Mapping mapping;
    private final Map<String, YamlNode.Mark> marks;

    private FieldReader(String source, String path, YamlNode.Mapping mapping, Map<String, YamlNode.Mark> marks) {
        this.source = source;
        this.path = path;
        this.mapping = mapping;
        this.marks = marks;
    }

    /** The mapping {@code node} at {@code path}, which may hold only {@code allowedKeys}. */
    static FieldReader open(YamlNode node, String path, List<String> allowedKeys, Context context) {
        if (!(node instanceof YamlNode.Mapping mapping)) {
            throw context.error(path, node.mark(), "must be a mapping (key: value lines or { key: value })");
        }
        Set<String> allowed = Set.copyOf(allowedKeys);
        for (YamlNode.Entry entry : mapping.entries()) {
            String key = entry.key().text();
            if (!allowed.contains(key)) {
                throw context.error(join(path, key), entry.key().mark(),
                        "unknown key (expected one of " + String.join(", ", allowedKeys) + ")");
            }
        }
        context.marks().put(path, mapping.mark());
        return new FieldReader(context.source(), path, mapping, context.marks());
    }

    /** Where the text is and where positions of read fields are recorded. */
    record Context(String source, Map<String, YamlNode.Mark> marks) {
        TopologyException error(String field, YamlNode.Mark mark, String reason) {
            return new TopologyException(field, reason).at(source, mark);
        }
    }

    String path() {
        return path;
    }

    String pathOf(String key) {
        return join(path, key);
    }

    Context context() {
        return new Context(source, marks);
    }

    /** The value of {@code key}, absent when the key is missing or its value is null. */
    Optional<YamlNode> node(String key) {
        YamlNode.Entry entry = mapping.entry(key);
        if (entry == null) {
            return Optional.empty();
        }
        marks.put(pathOf(key), entry.value().mark());
        if (entry.value() instanceof YamlNode.Scalar scalar && scalar.isNull()) {
            return Optional.empty();
        }
        return Optional.of(entry.value());
    }

    YamlNode required(String key) {
        return node(key).orElseThrow(() -> error(key, mapping.mark(), "required"));
    }

    Optional<String> string(String key) {
        return node(key).map(node -> scalar(key, node).text());
    }

    String requiredString(String key) {
        return scalar(key, required(key)).text();
    }

    Optional<Boolean> bool(String key) {
        return node(key).map(node -> {
            Boolean value = scalar(key, node).booleanValue();
            if (value == null) {
                throw error(key, node.mark(), "expected true or false, got '" + ((YamlNode.Scalar) node).text() + "'");
            }
            return value;
        });
    }

    boolean bool(String key, boolean fallback) {
        return bool(key).orElse(fallback);
    }

    /** An integer field; {@code 0x} hexadecimal up to 64 bits unsigned, as addresses need. */
    Optional<Long> integer(String key) {
        return node(key).map(node -> {
            Long value = scalar(key, node).integerValue();
            if (value == null) {
                throw error(key, node.mark(), "expected an integer (decimal or 0x hexadecimal), got '"
                        + ((YamlNode.Scalar) node).text() + "'");
            }
            return value;
        });
    }

    long requiredInteger(String key) {
        required(key);
        return integer(key).orElseThrow();
    }

    /** An integer field that must fit {@code [0, maximum]}. */
    Optional<Integer> boundedInteger(String key, long minimum, long maximum) {
        return integer(key).map(value -> {
            if (value < minimum || value > maximum) {
                throw error(key, mapping.get(key).mark(), "must be in " + minimum + "..0x" + Long.toHexString(maximum) + ", got " + value);
            }
            return value.intValue();
        });
    }

    Optional<Bdf> bdf(String key) {
        return string(key).map(text -> {
            try {
                return Bdf.parse(text);
            } catch (TopologyException invalid) {
                throw error(key, mapping.get(key).mark(), invalid.reason());
            }
        });
    }

    Optional<FieldReader> mapping(String key, List<String> allowedKeys) {
        return node(key).map(node -> open(node, pathOf(key), allowedKeys, context()));
    }

    List<YamlNode> sequence(String key) {
        return node(key).map(node -> {
            if (!(node instanceof YamlNode.Sequence sequence)) {
                throw error(key, node.mark(), "must be a sequence ('- ' items or [a, b])");
            }
            return sequence.items();
        }).orElse(List.of());
    }

    TopologyException error(String key, YamlNode.Mark mark, String reason) {
        return new TopologyException(pathOf(key), reason).at(source, mark);
    }

    /** Position of {@code key}'s value, or of this mapping when the key is absent. */
    YamlNode.Mark markOf(String key) {
        YamlNode value = mapping.get(key);
        return value != null ? value.mark() : mapping.mark();
    }

    private YamlNode.Scalar scalar(String key, YamlNode node) {
        if (!(node instanceof YamlNode.Scalar scalar)) {
            throw error(key, node.mark(), "expected a single value, got a " + (node instanceof YamlNode.Mapping ? "mapping" : "sequence"));
        }
        return scalar;
    }

    private static String join(String path, String key) {
        return path.isEmpty() ? key : path + "." + key;
    }
}
