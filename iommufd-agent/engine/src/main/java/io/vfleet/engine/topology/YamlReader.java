package io.vfleet.engine.topology;

import java.util.ArrayList;
import java.util.List;

/**
 * Reads the subset of YAML 1.2 that topology files use, with the JDK alone: block mappings and block
 * sequences (including {@code - key: value} items), plain, single- and double-quoted scalars, comments,
 * and flow sequences and mappings that fit on one line.
 *
 * <p>What it does not read it refuses, with the line and column, rather than guess: anchors, aliases,
 * tags, block scalars ({@code |}, {@code >}), multi-line scalars, several documents, tabs in indentation
 * and duplicate keys (a repeated key would silently hide the first value).
 *
 * <p>The document is first cut into significant lines (comments and blank lines removed, the
 * indentation measured); the block structure is then read by indentation alone, one node per call.
 * A {@code - } item that opens a mapping on its own line is read by replacing that line with the text
 * after the dash, indented to where that text starts, so the mapping continues on the lines below it.
 */
public final class YamlReader {
    /** A significant line: its 1-based number, the 0-based column where its content starts, the content. */
    private record Line(int number, int indent, String content) {
    }

    private final String source;
    private final List<Line> lines;
    private int current;

    private YamlReader(String source, List<Line> lines) {
        this.source = source;
        this.lines = lines;
    }

    /**
     * The document in {@code text}; an empty document is a null scalar.
     *
     * @param source the name used in error messages, such as the file name
     */
    public static YamlNode read(String text, String source) {
        YamlReader reader = new YamlReader(source, significantLines(text, source));
        if (reader.lines.isEmpty()) {
            return YamlNode.Scalar.nullAt(new YamlNode.Mark(1, 1));
        }
        YamlNode root = reader.block(reader.lines.getFirst().indent());
        if (reader.current < reader.lines.size()) {
            Line extra = reader.lines.get(reader.current);
            throw reader.error(extra, 0, "unexpected content after the document's top-level node");
        }
        return root;
    }

    static TopologyException duplicateKey(String source, YamlNode.Scalar key) {
        return TopologyException.syntax(source, key.mark(), "duplicate key '" + key.text() + "'");
    }

    private YamlNode block(int indent) {
        Line line = lines.get(current);
        if (isSequenceItem(line.content())) {
            return sequence(indent);
        }
        if (keyColon(line) >= 0) {
            return mapping(indent);
        }
        current++;
        YamlNode node = inline(line).blockValue(0);
        rejectDeeperLine(indent);
        return node;
    }

    private YamlNode.Mapping mapping(int indent) {
        YamlNode.Mark start = mark(lines.get(current), 0);
        List<YamlNode.Entry> entries = new ArrayList<>();
        while (current < lines.size() && lines.get(current).indent() == indent) {
            Line line = lines.get(current);
            if (isSequenceItem(line.content())) {
                throw error(line, 0, "expected a mapping key, found a sequence item");
            }
            int colon = keyColon(line);
            if (colon < 0) {
                throw error(line, 0, "expected 'key: value'");
            }
            YamlNode.Scalar key = key(line, colon);
            for (YamlNode.Entry entry : entries) {
                if (entry.key().text().equals(key.text())) {
                    throw duplicateKey(source, key);
                }
            }
            current++;
            entries.add(new YamlNode.Entry(key, valueAfterColon(line, colon, indent)));
            rejectDeeperLine(indent);
        }
        return new YamlNode.Mapping(entries, start);
    }

    /** The value of a mapping entry: the rest of its line, or the block below it, or null. */
    private YamlNode valueAfterColon(Line line, int colon, int indent) {
        String rest = line.content().substring(colon + 1);
        if (!rest.isBlank()) {
            return inline(line).blockValue(colon + 1);
        }
        if (current < lines.size()) {
            Line next = lines.get(current);
            if (next.indent() > indent) {
                return block(next.indent());
            }
            // A sequence may sit at the key's own indentation: "devices:\n- bdf: ...".
            if (next.indent() == indent && isSequenceItem(next.content())) {
                return sequence(indent);
            }
        }
        return YamlNode.Scalar.nullAt(mark(line, colon + 1));
    }

    private YamlNode.Sequence sequence(int indent) {
        YamlNode.Mark start = mark(lines.get(current), 0);
        List<YamlNode> items = new ArrayList<>();
        while (current < lines.size() && lines.get(current).indent() == indent
                && isSequenceItem(lines.get(current).content())) {
            Line line = lines.get(current);
            String afterDash = line.content().substring(1);
            String item = afterDash.stripLeading();
            if (item.isEmpty()) {
                current++;
                boolean nested = current < lines.size() && lines.get(current).indent() > indent;
                items.add(nested ? block(lines.get(current).indent()) : YamlNode.Scalar.nullAt(mark(line, 0)));
            } else {
                int itemIndent = line.indent() + 1 + afterDash.length() - item.length();
                lines.set(current, new Line(line.number(), itemIndent, item));
                items.add(block(itemIndent));
            }
            rejectDeeperLine(indent);
        }
        return new YamlNode.Sequence(items, start);
    }

    private void rejectDeeperLine(int indent) {
        if (current < lines.size() && lines.get(current).indent() > indent) {
            throw error(lines.get(current), 0, "unexpected indentation (multi-line scalars are not supported)");
        }
    }

    /** Index of the colon that ends the mapping key on this line, or -1 when the line is not a key. */
    private int keyColon(Line line) {
        String content = line.content();
        char first = content.charAt(0);
        if (first == '[' || first == '{') {
            return -1;
        }
        int index = 0;
        if (first == '"' || first == '\'') {
            YamlInlineParser parser = inline(line);
            parser.quotedAt(0);
            index = parser.position();
            while (index < content.length() && content.charAt(index) == ' ') {
                index++;
            }
            return isColonIndicator(content, index) ? index : -1;
        }
        for (; index < content.length(); index++) {
            if (isColonIndicator(content, index)) {
                return index;
            }
        }
        return -1;
    }

    private static boolean isColonIndicator(String content, int index) {
        return index < content.length() && content.charAt(index) == ':'
                && (index + 1 == content.length() || content.charAt(index + 1) == ' ');
    }

    private YamlNode.Scalar key(Line line, int colon) {
        String content = line.content();
        char first = content.charAt(0);
        if (first == '"' || first == '\'') {
            return inline(line).quotedAt(0);
        }
        String text = content.substring(0, colon).strip();
        if (text.isEmpty()) {
            throw error(line, colon, "a mapping key is empty");
        }
        if ("&*!|>@`%".indexOf(first) >= 0 || (first == '?' && (content.length() == 1 || content.charAt(1) == ' '))) {
            throw error(line, 0, "'" + first + "' cannot start a mapping key; quote the key");
        }
        return new YamlNode.Scalar(text, YamlNode.Style.PLAIN, mark(line, 0));
    }

    private static boolean isSequenceItem(String content) {
        return content.equals("-") || content.startsWith("- ");
    }

    private YamlInlineParser inline(Line line) {
        return new YamlInlineParser(source, line.number(), line.indent() + 1, line.content());
    }

    private YamlNode.Mark mark(Line line, int index) {
        return new YamlNode.Mark(line.number(), line.indent() + index + 1);
    }

    private TopologyException error(Line line, int index, String reason) {
        return TopologyException.syntax(source, mark(line, index), reason);
    }

    private static List<Line> significantLines(String text, String source) {
        List<Line> significant = new ArrayList<>();
        List<String> raw = (text.startsWith("\uFEFF") ? text.substring(1) : text).lines().toList();
        for (int index = 0; index < raw.size(); index++) {
            int number = index + 1;
            String line = raw.get(index);
            int indent = 0;
            while (indent < line.length() && line.charAt(indent) == ' ') {
                indent++;
            }
            String content = stripComment(line.substring(indent), source, number, indent + 1).stripTrailing();
            if (content.isEmpty()) {
                continue;
            }
            if (content.charAt(0) == '\t') {
                throw TopologyException.syntax(source, new YamlNode.Mark(number, indent + 1),
                        "tab in indentation (YAML indents with spaces only)");
            }
            if (indent == 0 && (content.equals("---") || content.startsWith("--- "))) {
                if (!significant.isEmpty() || !content.equals("---")) {
                    throw TopologyException.syntax(source, new YamlNode.Mark(number, 1),
                            significant.isEmpty() ? "content on the '---' line is not supported"
                                    : "several documents in one file are not supported");
                }
                continue;
            }
            if (indent == 0 && content.equals("...")) {
                return significant;
            }
            if (indent == 0 && content.charAt(0) == '%') {
                throw TopologyException.syntax(source, new YamlNode.Mark(number, 1), "directives are not supported");
            }
            significant.add(new Line(number, indent, content));
        }
        return significant;
    }

    /**
     * The line without its comment: a '#' at the start or after a space, outside a quoted scalar. A quote
     * opens a quoted scalar only where a scalar may start (line start, after ": ", "- ", '[', '{', ','),
     * so that an apostrophe inside a plain scalar ("it's") is just a character.
     */
    private static String stripComment(String content, String source, int number, int baseColumn) {
        char previous = ' ';
        boolean spaceSincePrevious = true;
        for (int index = 0; index < content.length(); index++) {
            char c = content.charAt(index);
            if (c == '#' && (index == 0 || content.charAt(index - 1) == ' ' || content.charAt(index - 1) == '\t')) {
                return content.substring(0, index);
            }
            boolean scalarMayStart = index == 0 || "[{,".indexOf(previous) >= 0
                    || (spaceSincePrevious && ":-?".indexOf(previous) >= 0);
            if ((c == '"' || c == '\'') && scalarMayStart) {
                index = closingQuote(content, index, source, new YamlNode.Mark(number, baseColumn + index));
                previous = c;
                spaceSincePrevious = false;
                continue;
            }
            if (c == ' ' || c == '\t') {
                spaceSincePrevious = true;
            } else {
                previous = c;
                spaceSincePrevious = false;
            }
        }
        return content;
    }

    private static int closingQuote(String content, int opening, String source, YamlNode.Mark mark) {
        char quote = content.charAt(opening);
        for (int index = opening + 1; index < content.length(); index++) {
            char c = content.charAt(index);
            if (quote == '"' && c == '\\') {
                index++;
            } else if (c == quote) {
                if (quote == '\'' && index + 1 < content.length() && content.charAt(index + 1) == '\'') {
                    index++;
                } else {
                    return index;
                }
            }
        }
        throw TopologyException.syntax(source, mark, "unterminated quoted scalar (a quoted scalar must end on its line)");
    }
}
