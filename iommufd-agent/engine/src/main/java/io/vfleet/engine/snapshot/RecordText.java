package io.vfleet.engine.snapshot;

import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One-line text for records, written and read through their {@link RecordComponent}s, so that
 * every ioctl request and reply round-trips without a codec of its own.
 *
 * <p>Grammar: a record is {@code {name=value, ...}} with its components in declaration order,
 * prefixed by its registered type name ({@code IommuIoasMap{...}}) where the declared type does
 * not fix the record class (an interface such as {@code Ioctl<?>}, or {@code Object}). Values are
 * decimal ints and longs (signed, so 2^64-1 is {@code -1}), {@code true}/{@code false}, enum
 * constant names, double-quoted strings with backslash escapes, {@code null}, and
 * {@code [a, b]} for lists and sets (sets sorted by their text, so the output is canonical).
 * Only registered types can be named in the text: nothing else is ever instantiated.
 */
final class RecordText {
    /** A line that does not follow the grammar; {@code column} is 1-based. */
    static final class MalformedText extends Exception {
        MalformedText(int column, String message) {
            super("column " + column + ": " + message, null, false, false);
        }
    }

    private final Map<String, Class<?>> typesByName = new HashMap<>();
    private final Map<Class<?>, String> namesByType = new HashMap<>();

    /** A codec that can name {@code roots}, the records they permit (if sealed) and the records nested in those. */
    RecordText(List<Class<?>> roots) {
        roots.forEach(this::register);
    }

    private void register(Class<?> type) {
        if (type.isRecord()) {
            String name = nameOf(type);
            Class<?> earlier = typesByName.putIfAbsent(name, type);
            if (earlier != null && earlier != type) {
                throw new AssertionError("record types " + earlier.getName() + " and " + type.getName() + " share the name " + name);
            }
            namesByType.put(type, name);
        }
        if (type.isSealed()) {
            for (Class<?> permitted : type.getPermittedSubclasses()) {
                register(permitted);
            }
        }
        for (Class<?> nested : type.getDeclaredClasses()) {
            if (nested.isRecord() && !namesByType.containsKey(nested)) {
                register(nested);
            }
        }
    }

    /** The binary name without package and outermost class: {@code IommuIoasMap.Reply}. */
    private static String nameOf(Class<?> type) {
        String binary = type.getName().substring(type.getPackageName().length() + 1);
        int outer = binary.indexOf('$');
        return (outer < 0 ? binary : binary.substring(outer + 1)).replace('$', '.');
    }

    // ---- writing ----

    String write(Object value, Type declared) {
        StringBuilder out = new StringBuilder();
        write(out, value, declared);
        return out.toString();
    }

    private void write(StringBuilder out, Object value, Type declared) {
        Class<?> raw = rawClass(declared);
        switch (value) {
            case null -> out.append("null");
            case String text -> quote(out, text);
            case Integer _, Long _, Boolean _ -> out.append(value);
            case Enum<?> constant -> out.append(constant.name());
            case Collection<?> elements -> writeCollection(out, elements, elementType(declared), value instanceof Set);
            case Record record -> {
                if (!raw.isRecord()) {
                    String name = namesByType.get(record.getClass());
                    if (name == null) {
                        throw new AssertionError(record.getClass().getName() + " is not a registered snapshot record");
                    }
                    out.append(name);
                }
                writeComponents(out, record);
            }
            default -> throw new AssertionError("no text form for " + value.getClass().getName());
        }
    }

    private void writeCollection(StringBuilder out, Collection<?> elements, Type elementType, boolean sort) {
        List<String> texts = new ArrayList<>(elements.size());
        for (Object element : elements) {
            texts.add(write(element, elementType));
        }
        if (sort) {
            texts.sort(null);
        }
        out.append('[').append(String.join(", ", texts)).append(']');
    }

    private void writeComponents(StringBuilder out, Record record) {
        out.append('{');
        List<Component> components = COMPONENTS.get(record.getClass());
        for (int i = 0; i < components.size(); i++) {
            if (i > 0) {
                out.append(", ");
            }
            Component component = components.get(i);
            out.append(component.name()).append('=');
            write(out, component.valueOf(record), component.type());
        }
        out.append('}');
    }

    /** A record component with its accessor opened once: reflection per value was most of the encoding time. */
    private record Component(String name, java.lang.reflect.Type type, java.lang.reflect.Method accessor) {
        Object valueOf(Record record) {
            try {
                return accessor.invoke(record);
            } catch (IllegalAccessException | InvocationTargetException e) {
                throw new AssertionError("reading " + name + " of " + record.getClass().getSimpleName(), e);
            }
        }
    }

    private static final ClassValue<List<Component>> COMPONENTS = new ClassValue<>() {
        @Override
        protected List<Component> computeValue(Class<?> type) {
            List<Component> components = new ArrayList<>();
            for (RecordComponent component : type.getRecordComponents()) {
                var accessor = component.getAccessor();
                accessor.setAccessible(true);
                components.add(new Component(component.getName(), component.getGenericType(), accessor));
            }
            return List.copyOf(components);
        }
    };

    private static void quote(StringBuilder out, String text) {
        out.append('"');
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20 || c == 0x7f || Character.isSurrogate(c) && !validSurrogatePair(text, i)) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }

    /** A lone surrogate would not survive UTF-8, so it is escaped; a proper pair is written as is. */
    private static boolean validSurrogatePair(String text, int i) {
        char c = text.charAt(i);
        if (Character.isHighSurrogate(c)) {
            return i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1));
        }
        return i > 0 && Character.isHighSurrogate(text.charAt(i - 1));
    }

    // ---- reading ----

    /** Reads one whole line as a value of {@code declared}. */
    Object read(String line, Type declared) throws MalformedText {
        Reader reader = new Reader(line);
        Object value = reader.value(declared);
        reader.skipSpaces();
        if (!reader.atEnd()) {
            throw reader.malformed("unexpected text after the value");
        }
        return value;
    }

    private final class Reader {
        private final String text;
        private int position;

        Reader(String text) {
            this.text = text;
        }

        Object value(Type declared) throws MalformedText {
            skipSpaces();
            Class<?> raw = rawClass(declared);
            if (lookingAt("null") && !raw.isPrimitive()) {
                position += 4;
                return null;
            }
            if (raw == int.class || raw == Integer.class) {
                return parseNumber(declared, Integer::parseInt);
            }
            if (raw == long.class || raw == Long.class) {
                return parseNumber(declared, Long::parseLong);
            }
            if (raw == boolean.class || raw == Boolean.class) {
                return switch (word()) {
                    case "true" -> true;
                    case "false" -> false;
                    case String other -> throw malformed("expected true or false, found '" + other + "'");
                };
            }
            if (raw == String.class) {
                return string();
            }
            if (raw.isEnum()) {
                return enumConstant(raw);
            }
            if (raw == List.class || raw == Set.class) {
                List<Object> elements = elements(elementType(declared));
                return raw == List.class ? elements : new LinkedHashSet<>(elements);
            }
            Class<?> recordClass = raw;
            if (!raw.isRecord()) {
                String name = typeName();
                recordClass = typesByName.get(name);
                if (recordClass == null || !raw.isAssignableFrom(recordClass)) {
                    throw malformed("unknown record type '" + name + "' where a " + raw.getSimpleName() + " is expected");
                }
            }
            return record(recordClass);
        }

        private Object parseNumber(Type declared, java.util.function.Function<String, Object> parse) throws MalformedText {
            int start = position;
            if (position < text.length() && text.charAt(position) == '-') {
                position++;
            }
            while (position < text.length() && Character.isDigit(text.charAt(position))) {
                position++;
            }
            String digits = text.substring(start, position);
            try {
                return parse.apply(digits);
            } catch (NumberFormatException e) {
                position = start;
                throw malformed("expected " + rawClass(declared).getSimpleName() + ", found '" + preview() + "'");
            }
        }

        private String word() {
            int start = position;
            while (position < text.length() && (Character.isLetterOrDigit(text.charAt(position)) || text.charAt(position) == '_')) {
                position++;
            }
            return text.substring(start, position);
        }

        private String typeName() throws MalformedText {
            int start = position;
            while (position < text.length()
                    && (Character.isLetterOrDigit(text.charAt(position)) || text.charAt(position) == '.' || text.charAt(position) == '_')) {
                position++;
            }
            if (start == position) {
                throw malformed("expected a record type name, found '" + preview() + "'");
            }
            return text.substring(start, position);
        }

        private Object enumConstant(Class<?> type) throws MalformedText {
            int start = position;
            String name = word();
            for (Object constant : type.getEnumConstants()) {
                if (((Enum<?>) constant).name().equals(name)) {
                    return constant;
                }
            }
            position = start;
            throw malformed("'" + name + "' is not a " + type.getSimpleName());
        }

        private String string() throws MalformedText {
            expect('"');
            StringBuilder out = new StringBuilder();
            while (true) {
                if (atEnd()) {
                    throw malformed("unterminated string");
                }
                char c = text.charAt(position++);
                if (c == '"') {
                    return out.toString();
                }
                if (c != '\\') {
                    out.append(c);
                    continue;
                }
                if (atEnd()) {
                    throw malformed("unterminated escape");
                }
                char escaped = text.charAt(position++);
                switch (escaped) {
                    case '"', '\\' -> out.append(escaped);
                    case 'n' -> out.append('\n');
                    case 'r' -> out.append('\r');
                    case 't' -> out.append('\t');
                    case 'u' -> out.append(unicodeEscape());
                    default -> {
                        position--;
                        throw malformed("unknown escape \\" + escaped);
                    }
                }
            }
        }

        private char unicodeEscape() throws MalformedText {
            if (position + 4 > text.length()) {
                throw malformed("short \\u escape");
            }
            try {
                char c = (char) Integer.parseInt(text.substring(position, position + 4), 16);
                position += 4;
                return c;
            } catch (NumberFormatException e) {
                throw malformed("bad \\u escape");
            }
        }

        private List<Object> elements(Type elementType) throws MalformedText {
            expect('[');
            List<Object> elements = new ArrayList<>();
            skipSpaces();
            if (peek() == ']') {
                position++;
                return elements;
            }
            while (true) {
                elements.add(value(elementType));
                skipSpaces();
                if (peek() == ']') {
                    position++;
                    return elements;
                }
                expect(',');
            }
        }

        private Object record(Class<?> type) throws MalformedText {
            expect('{');
            RecordComponent[] components = type.getRecordComponents();
            Object[] values = new Object[components.length];
            Class<?>[] types = new Class<?>[components.length];
            for (int i = 0; i < components.length; i++) {
                if (i > 0) {
                    expect(',');
                }
                skipSpaces();
                int start = position;
                String name = word();
                if (!name.equals(components[i].getName())) {
                    position = start;
                    throw malformed(nameOf(type) + " expects component '" + components[i].getName() + "' here, found '" + preview() + "'");
                }
                expect('=');
                values[i] = value(components[i].getGenericType());
                types[i] = components[i].getType();
            }
            expect('}');
            try {
                Constructor<?> constructor = type.getDeclaredConstructor(types);
                constructor.setAccessible(true);
                return constructor.newInstance(values);
            } catch (InvocationTargetException e) {
                throw malformed(nameOf(type) + " refuses these values: " + e.getCause().getMessage());
            } catch (ReflectiveOperationException e) {
                throw new AssertionError("constructing " + type.getName(), e);
            }
        }

        private void expect(char c) throws MalformedText {
            skipSpaces();
            if (peek() != c) {
                throw malformed("expected '" + c + "', found '" + preview() + "'");
            }
            position++;
        }

        private boolean lookingAt(String word) {
            return text.startsWith(word, position);
        }

        private char peek() {
            return atEnd() ? '\0' : text.charAt(position);
        }

        void skipSpaces() {
            while (position < text.length() && text.charAt(position) == ' ') {
                position++;
            }
        }

        boolean atEnd() {
            return position >= text.length();
        }

        private String preview() {
            return atEnd() ? "end of line" : text.substring(position, Math.min(text.length(), position + 20));
        }

        MalformedText malformed(String message) {
            return new MalformedText(position + 1, message);
        }
    }

    private static Class<?> rawClass(Type type) {
        return switch (type) {
            case Class<?> c -> c;
            case ParameterizedType p -> (Class<?>) p.getRawType();
            default -> Object.class;
        };
    }

    private static Type elementType(Type collectionType) {
        if (collectionType instanceof ParameterizedType p) {
            return p.getActualTypeArguments()[0];
        }
        return Object.class;
    }
}
