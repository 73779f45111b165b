package io.vfleet.agent.state;

import io.vfleet.agent.kernel.Syscall;
import io.vfleet.engine.IovaRange;
import io.vfleet.engine.process.Capability;
import io.vfleet.engine.process.ProcessSpec;
import io.vfleet.engine.uapi.Ioctl;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.StringJoiner;

/**
 * One {@link Syscall} as one line of text, and back: {@code open 100 '%2Fdev%2Fiommu 2},
 * {@code ioctl 100 3 IommuIoasMap 40 7 1 0 139637976727552 1048576 0}.
 *
 * <p>An ioctl is written as its record's simple name followed by its components in declaration
 * order, so every ioctl record of the engine is covered without a line of code per ioctl, including
 * records the engine adds later, as long as their components are ints, longs, strings, IOVA range
 * lists or int lists. Strings are URL-encoded behind a {@code '} so that no token is empty or holds a
 * space. Lists are comma-separated, {@code -} when empty; an IOVA range is {@code start:last}.
 */
final class SyscallCodec {
    private static final Map<String, Class<?>> IOCTLS = new HashMap<>();

    static {
        for (Class<?> type : Ioctl.class.getPermittedSubclasses()) {
            IOCTLS.put(type.getSimpleName(), type);
        }
    }

    private SyscallCodec() {
    }

    static String encode(Syscall<?> call) {
        return switch (call) {
            case Syscall.Spawn spawn -> "spawn " + text(spawn.spec().name()) + " " + spawn.spec().uid() + " "
                    + capabilities(spawn.spec().capabilities()) + " " + spawn.spec().memlockLimitBytes();
            case Syscall.Exit exit -> "exit " + exit.pid();
            case Syscall.Mmap mmap -> "mmap " + mmap.pid() + " " + mmap.length() + " " + mmap.prot();
            case Syscall.Munmap munmap -> "munmap " + munmap.pid() + " " + munmap.address() + " " + munmap.length();
            case Syscall.Open open -> "open " + open.pid() + " " + text(open.path()) + " " + open.flags();
            case Syscall.Close close -> "close " + close.pid() + " " + close.fd();
            case Syscall.IoctlCall<?> ioctl -> "ioctl " + ioctl.pid() + " " + ioctl.fd() + " " + request(ioctl.request());
        };
    }

    static Syscall<?> decode(String line) {
        String[] tokens = line.split(" ");
        return switch (tokens[0]) {
            case "spawn" -> new Syscall.Spawn(new ProcessSpec(untext(tokens[1]), Integer.parseInt(tokens[2]),
                    capabilities(tokens[3]), Long.parseLong(tokens[4])));
            case "exit" -> new Syscall.Exit(Integer.parseInt(tokens[1]));
            case "mmap" -> new Syscall.Mmap(Integer.parseInt(tokens[1]), Long.parseLong(tokens[2]), Integer.parseInt(tokens[3]));
            case "munmap" -> new Syscall.Munmap(Integer.parseInt(tokens[1]), Long.parseLong(tokens[2]), Long.parseLong(tokens[3]));
            case "open" -> new Syscall.Open(Integer.parseInt(tokens[1]), untext(tokens[2]), Integer.parseInt(tokens[3]));
            case "close" -> new Syscall.Close(Integer.parseInt(tokens[1]), Integer.parseInt(tokens[2]));
            case "ioctl" -> new Syscall.IoctlCall<>(Integer.parseInt(tokens[1]), Integer.parseInt(tokens[2]),
                    request(Arrays.copyOfRange(tokens, 3, tokens.length)));
            default -> throw new IllegalArgumentException("not a system call: " + line);
        };
    }

    private static String request(Ioctl<?> request) {
        StringJoiner line = new StringJoiner(" ");
        line.add(request.getClass().getSimpleName());
        for (RecordComponent component : request.getClass().getRecordComponents()) {
            line.add(value(read(component, request)));
        }
        return line.toString();
    }

    private static Ioctl<?> request(String[] tokens) {
        Class<?> type = IOCTLS.get(tokens[0]);
        if (type == null) {
            throw new IllegalArgumentException("the engine has no ioctl named " + tokens[0]);
        }
        RecordComponent[] components = type.getRecordComponents();
        if (components.length != tokens.length - 1) {
            throw new IllegalArgumentException(tokens[0] + " has " + components.length + " fields, the line has "
                    + (tokens.length - 1));
        }
        Class<?>[] types = new Class<?>[components.length];
        Object[] values = new Object[components.length];
        for (int index = 0; index < components.length; index++) {
            types[index] = components[index].getType();
            values[index] = parse(components[index].getGenericType(), tokens[index + 1]);
        }
        try {
            Constructor<?> constructor = type.getDeclaredConstructor(types);
            return (Ioctl<?>) constructor.newInstance(values);
        } catch (ReflectiveOperationException e) {
            throw new IllegalArgumentException("cannot rebuild " + tokens[0], e);
        }
    }

    private static Object read(RecordComponent component, Object record) {
        try {
            return component.getAccessor().invoke(record);
        } catch (IllegalAccessException | InvocationTargetException e) {
            throw new AssertionError("record component " + component.getName() + " is not readable", e);
        }
    }

    private static String value(Object value) {
        return switch (value) {
            case Integer number -> number.toString();
            case Long number -> number.toString();
            case String string -> text(string);
            case List<?> list when list.isEmpty() -> "-";
            case List<?> list -> String.join(",", list.stream().map(SyscallCodec::element).toList());
            default -> throw new IllegalArgumentException("cannot record a field of type " + value.getClass());
        };
    }

    private static String element(Object element) {
        return switch (element) {
            case IovaRange range -> range.start() + ":" + range.last();
            case Integer number -> number.toString();
            default -> throw new IllegalArgumentException("cannot record a list of " + element.getClass());
        };
    }

    private static Object parse(Type type, String token) {
        if (type == int.class) {
            return Integer.parseInt(token);
        }
        if (type == long.class) {
            return Long.parseLong(token);
        }
        if (type == String.class) {
            return untext(token);
        }
        if (type instanceof ParameterizedType list && list.getRawType() == List.class) {
            Type element = list.getActualTypeArguments()[0];
            List<Object> values = new ArrayList<>();
            if (!token.equals("-")) {
                for (String part : token.split(",")) {
                    values.add(element == IovaRange.class ? range(part) : Integer.valueOf(part));
                }
            }
            return values;
        }
        throw new IllegalArgumentException("cannot read a field of type " + type);
    }

    private static IovaRange range(String text) {
        int colon = text.indexOf(':');
        return new IovaRange(Long.parseLong(text.substring(0, colon)), Long.parseLong(text.substring(colon + 1)));
    }

    private static String capabilities(Set<Capability> capabilities) {
        if (capabilities.isEmpty()) {
            return "-";
        }
        return String.join(",", capabilities.stream().map(Enum::name).sorted().toList());
    }

    private static Set<Capability> capabilities(String token) {
        Set<Capability> capabilities = EnumSet.noneOf(Capability.class);
        if (!token.equals("-")) {
            for (String name : token.split(",")) {
                capabilities.add(Capability.valueOf(name));
            }
        }
        return capabilities;
    }

    private static String text(String value) {
        return "'" + URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    private static String untext(String token) {
        if (!token.startsWith("'")) {
            throw new IllegalArgumentException("not a recorded string: " + token);
        }
        return URLDecoder.decode(token.substring(1), StandardCharsets.UTF_8);
    }
}
