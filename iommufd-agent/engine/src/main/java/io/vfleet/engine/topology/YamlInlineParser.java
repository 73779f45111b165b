package io.vfleet.engine.topology;

import java.util.ArrayList;
import java.util.List;

/**
 * Reads the part of one line that holds a single node: a plain or quoted scalar, or a flow collection
 * ({@code [a, b]}, {@code {a: 1}}, nested), which must close on the same line.
 *
 * <p>Comments have already been cut from the text by {@link YamlReader}. Columns in errors are those
 * of the original line: {@code baseColumn} is the 1-based column of the text's first character.
 */
final class YamlInlineParser {
    private final String source;
    private final int lineNumber;
    private final int baseColumn;
    private final String text;
    private int position;

    YamlInlineParser(String source, int lineNumber, int baseColumn, String text) {
        this.source = source;
        this.lineNumber = lineNumber;
        this.baseColumn = baseColumn;
        this.text = text;
    }

    /** The value that fills the rest of a block line from {@code start}: a scalar or a flow collection. */
    YamlNode blockValue(int start) {
        position = start;
        skipSpaces();
        char first = text.charAt(position);
        YamlNode node;
        if (first == '[' || first == '{') {
            node = flowNode();
        } else if (first == '"' || first == '\'') {
            node = quoted();
        } else {
            return blockPlain();
        }
        skipSpaces();
        if (position < text.length()) {
            throw error(position, "unexpected text '" + text.substring(position) + "' after the value");
        }
        return node;
    }

    /** The quoted scalar starting at {@code start}, and where it ends (the index after its closing quote). */
    YamlNode.Scalar quotedAt(int start) {
        position = start;
        return quoted();
    }

    int position() {
        return position;
    }

    private YamlNode.Scalar blockPlain() {
        int start = position;
        rejectIndicator(start);
        String plain = text.substring(start).strip();
        int colon = plain.indexOf(": ");
        if (colon >= 0 || plain.endsWith(":")) {
            throw error(start + (colon >= 0 ? colon : plain.length() - 1),
                    "a mapping value is not allowed here (quote the scalar, or start the mapping on its own line)");
        }
        return new YamlNode.Scalar(plain, YamlNode.Style.PLAIN, mark(start));
    }

    private YamlNode flowNode() {
        skipSpaces();
        if (position >= text.length()) {
            throw error(position, "expected a value before the end of the line (flow collections must close on their line)");
        }
        char first = text.charAt(position);
        return switch (first) {
            case '[' -> flowSequence();
            case '{' -> flowMapping();
            case '"', '\'' -> quoted();
            case ']', '}', ',' -> throw error(position, "expected a value, found '" + first + "'");
            default -> flowPlain();
        };
    }

    private YamlNode.Sequence flowSequence() {
        int start = position++;
        List<YamlNode> items = new ArrayList<>();
        while (true) {
            skipSpaces();
            expectNotEnd(start, "']'");
            if (text.charAt(position) == ']') {
                position++;
                return new YamlNode.Sequence(items, mark(start));
            }
            items.add(flowNode());
            skipSpaces();
            expectNotEnd(start, "']'");
            char next = text.charAt(position);
            if (next == ':') {
                throw error(position, "a 'key: value' pair inside [ ] is not supported; write it as { key: value }");
            } else if (next == ',') {
                position++;
            } else if (next != ']') {
                throw error(position, "expected ',' or ']', found '" + next + "'");
            }
        }
    }

    private YamlNode.Mapping flowMapping() {
        int start = position++;
        List<YamlNode.Entry> entries = new ArrayList<>();
        while (true) {
            skipSpaces();
            expectNotEnd(start, "'}'");
            if (text.charAt(position) == '}') {
                position++;
                return new YamlNode.Mapping(entries, mark(start));
            }
            YamlNode.Scalar key = flowKey();
            for (YamlNode.Entry entry : entries) {
                if (entry.key().text().equals(key.text())) {
                    throw YamlReader.duplicateKey(source, key);
                }
            }
            skipSpaces();
            if (position >= text.length() || text.charAt(position) != ':') {
                throw error(position, "expected ':' after the key '" + key.text() + "'");
            }
            int colon = position++;
            skipSpaces();
            expectNotEnd(start, "'}'");
            char next = text.charAt(position);
            YamlNode value = next == ',' || next == '}' ? YamlNode.Scalar.nullAt(mark(colon)) : flowNode();
            entries.add(new YamlNode.Entry(key, value));
            skipSpaces();
            expectNotEnd(start, "'}'");
            next = text.charAt(position);
            if (next == ',') {
                position++;
            } else if (next != '}') {
                throw error(position, "expected ',' or '}', found '" + next + "'");
            }
        }
    }

    private YamlNode.Scalar flowKey() {
        char first = text.charAt(position);
        if (first == '"' || first == '\'') {
            return quoted();
        }
        if (first == '[' || first == '{') {
            throw error(position, "a collection as a mapping key is not supported");
        }
        return flowPlain();
    }

    private YamlNode.Scalar flowPlain() {
        int start = position;
        rejectIndicator(start);
        while (position < text.length()) {
            char c = text.charAt(position);
            if (c == ',' || c == '[' || c == ']' || c == '{' || c == '}') {
                break;
            }
            if (c == ':' && (position + 1 == text.length() || " ,]}".indexOf(text.charAt(position + 1)) >= 0)) {
                break;
            }
            position++;
        }
        String plain = text.substring(start, position).strip();
        if (plain.isEmpty()) {
            throw error(start, "expected a value");
        }
        return new YamlNode.Scalar(plain, YamlNode.Style.PLAIN, mark(start));
    }

    private YamlNode.Scalar quoted() {
        int start = position;
        char quote = text.charAt(position++);
        StringBuilder value = new StringBuilder();
        while (true) {
            if (position >= text.length()) {
                throw error(start, "unterminated quoted scalar (a quoted scalar must end on its line)");
            }
            char c = text.charAt(position++);
            if (c == quote) {
                if (quote == '\'' && position < text.length() && text.charAt(position) == '\'') {
                    value.append('\'');
                    position++;
                    continue;
                }
                YamlNode.Style style = quote == '"' ? YamlNode.Style.DOUBLE_QUOTED : YamlNode.Style.SINGLE_QUOTED;
                return new YamlNode.Scalar(value.toString(), style, mark(start));
            }
            if (c == '\\' && quote == '"') {
                escape(value);
            } else {
                value.append(c);
            }
        }
    }

    private void escape(StringBuilder value) {
        int at = position - 1;
        if (position >= text.length()) {
            throw error(at, "unterminated quoted scalar (a quoted scalar must end on its line)");
        }
        char code = text.charAt(position++);
        switch (code) {
            case '0' -> value.append('\0');
            case 'a' -> value.append('\u0007');
            case 'b' -> value.append('\b');
            case 't', '\t' -> value.append('\t');
            case 'n' -> value.append('\n');
            case 'v' -> value.append('\u000b');
            case 'f' -> value.append('\f');
            case 'r' -> value.append('\r');
            case 'e' -> value.append('\u001b');
            case ' ', '"', '/', '\\' -> value.append(code);
            case 'x' -> value.appendCodePoint(hexDigits(at, 2));
            case 'u' -> value.appendCodePoint(hexDigits(at, 4));
            case 'U' -> value.appendCodePoint(hexDigits(at, 8));
            default -> throw error(at, "unknown escape '\\" + code + "' in a double-quoted scalar");
        }
    }

    private int hexDigits(int at, int count) {
        if (position + count > text.length()) {
            throw error(at, "escape needs " + count + " hexadecimal digits");
        }
        String digits = text.substring(position, position + count);
        if (!digits.matches("[0-9a-fA-F]+")) {
            throw error(at, "escape needs " + count + " hexadecimal digits, found '" + digits + "'");
        }
        position += count;
        long codePoint = Long.parseLong(digits, 16);
        if (codePoint > Character.MAX_CODE_POINT) {
            throw error(at, "escape names no Unicode character: " + digits);
        }
        return (int) codePoint;
    }

    private void rejectIndicator(int at) {
        char first = text.charAt(at);
        boolean followedBySpace = at + 1 == text.length() || text.charAt(at + 1) == ' ';
        String reason = switch (first) {
            case '&', '*' -> "anchors and aliases are not supported";
            case '!' -> "tags are not supported";
            case '|', '>' -> "block scalars are not supported; write the value on one line";
            case '@', '`', '%' -> "'" + first + "' cannot start a plain scalar; quote the value";
            case '-' -> followedBySpace ? "a block sequence cannot start here; put its items on the following lines" : null;
            case '?' -> followedBySpace ? "complex mapping keys are not supported" : null;
            default -> null;
        };
        if (reason != null) {
            throw error(at, reason);
        }
    }

    private void expectNotEnd(int opening, String closing) {
        if (position >= text.length()) {
            throw error(opening, "flow collection not closed by " + closing + " on its line (flow collections must fit on one line)");
        }
    }

    private void skipSpaces() {
        while (position < text.length() && (text.charAt(position) == ' ' || text.charAt(position) == '\t')) {
            position++;
        }
    }

    private YamlNode.Mark mark(int index) {
        return new YamlNode.Mark(lineNumber, baseColumn + index);
    }

    private TopologyException error(int index, String reason) {
        return TopologyException.syntax(source, mark(index), reason);
    }
}
