package io.vfleet.engine.topology;

/**
 * A topology file that cannot be read, or that does not describe a host the kernel could have.
 *
 * <p>Every refusal names the field it is about, as a path into the file ({@code devices[3].iommuGroup}),
 * and the reason with the offending values; when the text is known, also the file and the line and
 * column of that field. Positions are 1-based. This is a configuration error, not a system call
 * failure, so it carries no errno: an agent refuses to start on it, and a kernel never sees it.
 */
public final class TopologyException extends IllegalArgumentException {
    private final String field;
    private final String reason;
    private final String source;
    private final int line;
    private final int column;

    public TopologyException(String field, String reason) {
        this(field, reason, null, 0, 0);
    }

    private TopologyException(String field, String reason, String source, int line, int column) {
        super(render(field, reason, source, line, column));
        this.field = field;
        this.reason = reason;
        this.source = source;
        this.line = line;
        this.column = column;
    }

    /** A failure of the text itself (its syntax), which belongs to no field; {@code line} and {@code column} 1-based. */
    public static TopologyException syntax(String source, int line, int column, String reason) {
        return new TopologyException("", reason, source, line, column);
    }

    /** The path of the field in the file, such as {@code devices[2].bdf}; empty for a syntax error. */
    public String field() {
        return field;
    }

    public String reason() {
        return reason;
    }

    /** The file name given to the loader, or null when the failure was not found while loading text. */
    public String source() {
        return source;
    }

    /** 1-based line of the field, 0 when unknown. */
    public int line() {
        return line;
    }

    /** 1-based column of the field, 0 when unknown. */
    public int column() {
        return column;
    }

    /** The same failure, seen from the enclosing structure: {@code iommuGroup} inside {@code devices[3]}. */
    public TopologyException within(String parent) {
        String path = field.isEmpty() ? parent : field.startsWith("[") ? parent + field : parent + "." + field;
        return new TopologyException(path, reason, source, line, column);
    }

    /** The same failure, located in the text ({@code line} and {@code column} 1-based); an already located one keeps its position. */
    public TopologyException at(String sourceName, int line, int column) {
        if (this.line > 0) {
            return this;
        }
        return new TopologyException(field, reason, sourceName, line, column);
    }

    private static String render(String field, String reason, String source, int line, int column) {
        StringBuilder message = new StringBuilder();
        if (source != null) {
            message.append(source).append(':').append(line).append(':').append(column).append(": ");
        }
        if (!field.isEmpty()) {
            message.append(field).append(": ");
        }
        return message.append(reason).toString();
    }
}
