package io.vfleet.engine.topology.yaml;

import io.vfleet.engine.topology.Bdf;
import io.vfleet.engine.topology.TopologyException;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.SequenceNode;
import org.snakeyaml.engine.v2.nodes.Tag;

/**
 * The fields of one YAML mapping of a topology file, read by name with their types checked.
 *
 * <p>Keys are checked against the allowed set as soon as the mapping is opened, so a typo
 * ({@code iommuGrup}) or a repeated key is refused by name before anything else can go wrong. Every
 * field read records the position of its value under its full path, so that checks made later on the
 * built records can still point at a line.
 *
 * <p>Scalars are typed as the YAML 1.2 core schema resolves them (the composer has tagged every plain
 * scalar null, bool, int, float or str); a quoted scalar is always a string. Integers are 64-bit:
 * {@code 0x} hexadecimal and {@code 0o} octal read unsigned, so {@code 0xffffffffffffffff} is -1 and
 * 64-bit addresses survive.
 */
final class FieldReader {
    private final String path;
    private final MappingNode mapping;
    private final Context context;

    private FieldReader(String path, MappingNode mapping, Context context) {
        this.path = path;
        this.mapping = mapping;
        this.context = context;
    }

    /** Where a node starts in the text: 1-based line and column. */
    record Position(int line, int column) {
        static final Position START = new Position(1, 1);

        static Position of(Node node) {
            return node.getStartMark().map(mark -> new Position(mark.getLine() + 1, mark.getColumn() + 1)).orElse(START);
        }
    }

    /** The file's name for messages, and the position of every field read so far, by path. */
    record Context(String source, Map<String, Position> positions) {
        TopologyException error(String field, Position position, String reason) {
            return new TopologyException(field, reason).at(source, position.line(), position.column());
        }
    }

    /** The mapping {@code node} at {@code path}, which may hold only {@code allowedKeys}, each once. */
    static FieldReader open(Node node, String path, List<String> allowedKeys, Context context) {
        if (!(node instanceof MappingNode mapping)) {
            throw context.error(path, Position.of(node), "must be a mapping (key: value lines or { key: value })");
        }
        Set<String> seen = new HashSet<>();
        for (NodeTuple entry : mapping.getValue()) {
            if (!(entry.getKeyNode() instanceof ScalarNode key)) {
                throw context.error(path, Position.of(entry.getKeyNode()), "keys must be names, not collections");
            }
            if (!allowedKeys.contains(key.getValue())) {
                throw context.error(join(path, key.getValue()), Position.of(key),
                        "unknown key (expected one of " + String.join(", ", allowedKeys) + ")");
            }
            if (!seen.add(key.getValue())) {
                throw context.error(join(path, key.getValue()), Position.of(key), "duplicate key (it would hide the first value)");
            }
        }
        context.positions().put(path, Position.of(mapping));
        return new FieldReader(path, mapping, context);
    }

    String path() {
        return path;
    }

    String pathOf(String key) {
        return join(path, key);
    }

    Context context() {
        return context;
    }

    /** The value of {@code key}, absent when the key is missing or its value is null. */
    Optional<Node> node(String key) {
        Node value = value(key);
        if (value == null) {
            return Optional.empty();
        }
        context.positions().put(pathOf(key), Position.of(value));
        if (value instanceof ScalarNode scalar && scalar.getTag().equals(Tag.NULL)) {
            return Optional.empty();
        }
        return Optional.of(value);
    }

    Node required(String key) {
        return node(key).orElseThrow(() -> error(key, Position.of(mapping), "required"));
    }

    Optional<String> string(String key) {
        return node(key).map(node -> scalar(key, node).getValue());
    }

    String requiredString(String key) {
        return scalar(key, required(key)).getValue();
    }

    boolean bool(String key, boolean fallback) {
        return node(key).map(node -> {
            ScalarNode scalar = scalar(key, node);
            if (!scalar.getTag().equals(Tag.BOOL)) {
                throw error(key, Position.of(node), "expected true or false, got '" + scalar.getValue() + "'");
            }
            return Boolean.parseBoolean(scalar.getValue());
        }).orElse(fallback);
    }

    /** An integer field; {@code 0x} hexadecimal up to 64 bits unsigned, as addresses need. */
    Optional<Long> integer(String key) {
        return node(key).map(node -> {
            Long value = integerValue(scalar(key, node));
            if (value == null) {
                throw error(key, Position.of(node), "expected an integer (decimal or 0x hexadecimal), got '"
                        + ((ScalarNode) node).getValue() + "'");
            }
            return value;
        });
    }

    long requiredInteger(String key) {
        required(key);
        return integer(key).orElseThrow();
    }

    /** An integer field that must fit {@code [minimum, maximum]}. */
    Optional<Integer> boundedInteger(String key, long minimum, long maximum) {
        return integer(key).map(value -> {
            if (value < minimum || value > maximum) {
                throw error(key, positionOf(key), "must be in " + minimum + "..0x" + Long.toHexString(maximum) + ", got " + value);
            }
            return value.intValue();
        });
    }

    Optional<Bdf> bdf(String key) {
        return string(key).map(text -> {
            try {
                return Bdf.parse(text);
            } catch (TopologyException invalid) {
                throw error(key, positionOf(key), invalid.reason());
            }
        });
    }

    Optional<FieldReader> mapping(String key, List<String> allowedKeys) {
        return node(key).map(node -> open(node, pathOf(key), allowedKeys, context));
    }

    List<Node> sequence(String key) {
        return node(key).map(node -> {
            if (!(node instanceof SequenceNode sequence)) {
                throw error(key, Position.of(node), "must be a sequence ('- ' items or [a, b])");
            }
            return sequence.getValue();
        }).orElse(List.of());
    }

    TopologyException error(String key, Position position, String reason) {
        return context.error(pathOf(key), position, reason);
    }

    /** Position of {@code key}'s value, or of this mapping when the key is absent. */
    Position positionOf(String key) {
        Node value = value(key);
        return Position.of(value != null ? value : mapping);
    }

    /** The integer a scalar spells by the core schema, or null if it spells none or one beyond 64 bits. */
    static Long integerValue(ScalarNode scalar) {
        if (!scalar.getTag().equals(Tag.INT)) {
            return null;
        }
        String text = scalar.getValue().toLowerCase(java.util.Locale.ROOT);
        try {
            if (text.startsWith("0x")) {
                return Long.parseUnsignedLong(text.substring(2), 16);
            }
            if (text.startsWith("0o")) {
                return Long.parseUnsignedLong(text.substring(2), 8);
            }
            return text.startsWith("-") ? Long.parseLong(text) : Long.parseUnsignedLong(text.replace("+", ""));
        } catch (NumberFormatException tooLarge) {
            return null;
        }
    }

    private Node value(String key) {
        for (NodeTuple entry : mapping.getValue()) {
            if (((ScalarNode) entry.getKeyNode()).getValue().equals(key)) {
                return entry.getValueNode();
            }
        }
        return null;
    }

    private ScalarNode scalar(String key, Node node) {
        if (!(node instanceof ScalarNode scalar)) {
            throw error(key, Position.of(node), "expected a single value, got a " + (node instanceof MappingNode ? "mapping" : "sequence"));
        }
        return scalar;
    }

    private static String join(String path, String key) {
        return path.isEmpty() ? key : path + "." + key;
    }
}
