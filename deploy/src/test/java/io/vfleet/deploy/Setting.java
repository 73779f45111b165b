package io.vfleet.deploy;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * One setting a deployment hands an app: an environment variable, a {@code --name=value} argument, or a
 * line of a properties or YAML file. Spring Boot matches names loosely, and the rules differ by source:
 * an environment variable's underscores are dots and its digits list indexes
 * ({@code VFLEET_SECURITY_TOKENS_0_TOKEN} is {@code vfleet.security.tokens[0].token}), while dashes
 * and case never count ({@code state-directory} is {@code statedirectory}).
 */
record Setting(Source source, String name, String value) {

    /** Where a setting comes from, lowest precedence first, as Spring Boot orders its property sources. */
    enum Source { BUILT_IN, CONFIG_FILE, ENVIRONMENT, ARGUMENT }

    static Setting environment(String name, String value) {
        return new Setting(Source.ENVIRONMENT, name, value);
    }

    /** A {@code --name=value} argument as a setting; other arguments are not settings. */
    static Optional<Setting> argument(String argument) {
        if (!argument.startsWith("--") || !argument.contains("=")) {
            return Optional.empty();
        }
        int equals = argument.indexOf('=');
        return Optional.of(new Setting(Source.ARGUMENT, argument.substring(2, equals), argument.substring(equals + 1)));
    }

    /** The name's segments as Spring Boot's relaxed binding compares them. */
    List<String> segments() {
        return source == Source.ENVIRONMENT ? environmentSegments(name) : propertySegments(name);
    }

    static List<String> environmentSegments(String name) {
        return List.of(name.toLowerCase(Locale.ROOT).split("_", -1));
    }

    /** {@code a.b-c[0].d} as {@code [a, bc, 0, d]}; a bracketed map key keeps its characters but not its case. */
    static List<String> propertySegments(String name) {
        List<String> segments = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c == '.') {
                segments.add(current.toString());
                current.setLength(0);
            } else if (c == '[') {
                if (!current.isEmpty()) {
                    segments.add(current.toString());
                    current.setLength(0);
                }
                int close = name.indexOf(']', i);
                segments.add(name.substring(i + 1, close).toLowerCase(Locale.ROOT));
                i = close;
                if (i + 1 < name.length() && name.charAt(i + 1) == '.') {
                    i++;
                }
            } else if (c != '-') {
                current.append(Character.toLowerCase(c));
            }
        }
        if (!current.isEmpty()) {
            segments.add(current.toString());
        }
        return List.copyOf(segments);
    }

    /** Where this setting was written, for messages. */
    String describe() {
        return switch (source) {
            case ENVIRONMENT -> "environment variable " + name;
            case ARGUMENT -> "argument --" + name;
            case CONFIG_FILE -> "configuration file key " + name;
            case BUILT_IN -> "built-in key " + name;
        };
    }
}
