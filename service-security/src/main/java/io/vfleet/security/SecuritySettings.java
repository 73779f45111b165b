package io.vfleet.security;

import java.net.URI;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How an application started without Spring authenticates (the agent's lean entry point): the same
 * {@link SecurityProperties} and active profiles a Spring application binds, read from the same property
 * names, so that one settings file serves either and {@link AuthenticationMode} chooses alike:
 * <ul>
 *   <li>{@code spring.profiles.active}, comma-separated;</li>
 *   <li>{@code vfleet.security.tokens[n].token}, {@code .role}, {@code .tenant}, {@code .node}, {@code .subject};</li>
 *   <li>{@code vfleet.security.jwt.issuer-uri}, {@code .jwk-set-uri}, {@code .audiences} (comma-separated,
 *       or {@code audiences[n]}), {@code .role-claim}, {@code .tenant-claim}, {@code .subject-claim}.</li>
 * </ul>
 * A name under {@code vfleet.security} that is none of these, a gap in a list, or a URI that is not one
 * is refused by name: a misspelt setting must not pass for an absent one. Names are read as written
 * here (kebab case), not in Spring's relaxed forms.
 *
 * @param properties     what Spring would bind to {@code vfleet.security}
 * @param activeProfiles the profiles {@code spring.profiles.active} names
 */
public record SecuritySettings(SecurityProperties properties, List<String> activeProfiles) {
    public static final String PREFIX = "vfleet.security.";
    public static final String PROFILES = "spring.profiles.active";
    private static final Pattern TOKEN = Pattern.compile("tokens\\[(\\d+)]\\.(token|role|tenant|node|subject)");
    private static final Pattern AUDIENCE = Pattern.compile("jwt\\.audiences(?:\\[(\\d+)])?");
    private static final List<String> JWT_NAMES = List.of("issuer-uri", "jwk-set-uri", "role-claim", "tenant-claim",
            "subject-claim");

    public SecuritySettings {
        activeProfiles = List.copyOf(activeProfiles);
    }

    /** The settings among {@code properties}; names outside {@code vfleet.security} and the profiles are not looked at. */
    public static SecuritySettings read(Map<String, String> properties) {
        Map<Integer, Map<String, String>> tokens = new TreeMap<>();
        Map<String, String> jwt = new TreeMap<>();
        Map<Integer, String> audiences = new TreeMap<>();
        String audienceList = null;
        for (var property : new TreeMap<>(properties).entrySet()) {
            String name = property.getKey();
            if (!name.startsWith(PREFIX)) {
                continue;
            }
            String setting = name.substring(PREFIX.length());
            Matcher token = TOKEN.matcher(setting);
            Matcher audience = AUDIENCE.matcher(setting);
            if (token.matches()) {
                tokens.computeIfAbsent(index(name, token.group(1)), ignored -> new TreeMap<>())
                        .put(token.group(2), property.getValue());
            } else if (audience.matches() && audience.group(1) == null) {
                audienceList = property.getValue();
            } else if (audience.matches()) {
                audiences.put(index(name, audience.group(1)), property.getValue());
            } else if (setting.startsWith("jwt.") && JWT_NAMES.contains(setting.substring(4))) {
                jwt.put(setting.substring(4), property.getValue());
            } else {
                throw new IllegalArgumentException(name + ": not a security setting; the settings are "
                        + PREFIX + "tokens[n].{token,role,tenant,node,subject} and " + PREFIX + "jwt.{"
                        + String.join(",", JWT_NAMES) + ",audiences}");
            }
        }
        if (audienceList != null && !audiences.isEmpty()) {
            throw new IllegalArgumentException(PREFIX + "jwt.audiences: given both as a list and by index; give one");
        }
        List<String> audienceValues = audienceList != null ? commaSeparated(audienceList)
                : inOrder(PREFIX + "jwt.audiences", audiences);
        List<SecurityProperties.StaticToken> staticTokens = new ArrayList<>();
        for (Map<String, String> fields : inOrder(PREFIX + "tokens", tokens)) {
            staticTokens.add(new SecurityProperties.StaticToken(fields.get("token"), fields.get("role"), fields.get("tenant"),
                    fields.get("node"), fields.get("subject")));
        }
        SecurityProperties.Jwt issuer = jwt.isEmpty() && audienceValues.isEmpty() ? null
                : new SecurityProperties.Jwt(uri("issuer-uri", jwt), uri("jwk-set-uri", jwt),
                        audienceValues.isEmpty() ? null : audienceValues, jwt.get("role-claim"), jwt.get("tenant-claim"),
                        jwt.get("subject-claim"));
        String profiles = properties.get(PROFILES);
        return new SecuritySettings(new SecurityProperties(staticTokens.isEmpty() ? null : staticTokens, issuer),
                profiles == null ? List.of() : commaSeparated(profiles));
    }

    /** The one authenticator these settings make, or the refusal that stops the application. */
    public BearerAuthenticator authenticator() {
        return AuthenticationMode.choose(properties, activeProfiles);
    }

    private static int index(String name, String digits) {
        try {
            return Integer.parseInt(digits);
        } catch (NumberFormatException tooLarge) {
            throw new IllegalArgumentException(name + ": the index " + digits + " is too large");
        }
    }

    /** The values of an indexed list, which counts from 0 without gaps, as Spring binds one. */
    private static <T> List<T> inOrder(String list, Map<Integer, T> byIndex) {
        List<T> values = new ArrayList<>();
        for (var entry : byIndex.entrySet()) {
            if (entry.getKey() != values.size()) {
                throw new IllegalArgumentException(list + "[" + values.size() + "] is missing, but " + list + "["
                        + entry.getKey() + "] is given: a list counts from 0 without gaps");
            }
            values.add(entry.getValue());
        }
        return values;
    }

    private static List<String> commaSeparated(String value) {
        return Arrays.stream(value.split(",")).map(String::strip).filter(element -> !element.isEmpty()).toList();
    }

    private static URI uri(String name, Map<String, String> jwt) {
        String value = jwt.get(name);
        if (value == null || value.isBlank()) {
            return null;
        }
        try {
            return new URI(value.strip());
        } catch (java.net.URISyntaxException malformed) {
            throw new IllegalArgumentException(PREFIX + "jwt." + name + ": '" + value + "' is not a URI: " + malformed.getReason());
        }
    }
}
