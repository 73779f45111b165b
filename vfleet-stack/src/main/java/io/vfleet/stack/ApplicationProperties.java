package io.vfleet.stack;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.json.JsonMapper;

/**
 * Spring properties for one child application. Plain settings go on its command line
 * ({@code --name=value}), where the log shows them; secrets (tokens, passwords) go in the
 * {@code SPRING_APPLICATION_JSON} environment variable, which process listings do not show.
 */
final class ApplicationProperties {
    static final String ENVIRONMENT_VARIABLE = "SPRING_APPLICATION_JSON";
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final Map<String, String> plain = new LinkedHashMap<>();
    private final Map<String, String> secrets = new LinkedHashMap<>();

    ApplicationProperties set(String name, String value) {
        plain.put(name, value);
        return this;
    }

    ApplicationProperties secret(String name, String value) {
        secrets.put(name, value);
        return this;
    }

    List<String> arguments() {
        List<String> arguments = new ArrayList<>();
        plain.forEach((name, value) -> arguments.add("--" + name + "=" + value));
        return arguments;
    }

    Map<String, String> environment() {
        return secrets.isEmpty() ? Map.of() : Map.of(ENVIRONMENT_VARIABLE, json(secrets));
    }

    /** A flat JSON object of strings, in insertion order: Spring binds {@code a.b[0].c} keys as written. */
    static String json(Map<String, String> values) {
        return JSON.writeValueAsString(values);
    }
}
