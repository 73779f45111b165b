package io.vfleet.assignment.adapter.web;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The preferences of RFC 7240's {@code Prefer} header this API honours: {@code wait=N} (seconds the
 * client is willing to wait for the outcome) and {@code respond-async} (answer at once; as
 * {@code wait=0}). Preferences are hints: one that cannot be read is ignored, as the RFC asks, never
 * refused.
 */
final class PreferHeader {

    static final String PREFER = "Prefer";
    static final String PREFERENCE_APPLIED = "Preference-Applied";

    private PreferHeader() {}

    /** The wait the values of every {@code Prefer} header ask for, if any; the first wait wins. */
    static Optional<Duration> waitOf(List<String> headers) {
        if (headers == null) {
            return Optional.empty();
        }
        boolean async = false;
        for (String header : headers) {
            for (String preference : header.split(",", -1)) {
                // A preference's own parameters follow a ';': none of ours has any.
                String token = preference.split(";", 2)[0].strip();
                int equals = token.indexOf('=');
                String name = (equals < 0 ? token : token.substring(0, equals)).strip().toLowerCase(Locale.ROOT);
                if (name.equals("respond-async")) {
                    async = true;
                } else if (name.equals("wait") && equals > 0) {
                    Optional<Duration> wait = seconds(unquoted(token.substring(equals + 1).strip()));
                    if (wait.isPresent()) {
                        return wait;
                    }
                }
            }
        }
        return async ? Optional.of(Duration.ZERO) : Optional.empty();
    }

    /** The {@code Preference-Applied} value for a wait that was applied. */
    static String applied(Duration wait) {
        return "wait=" + wait.toSeconds();
    }

    private static String unquoted(String value) {
        return value.length() >= 2 && value.startsWith("\"") && value.endsWith("\"") ? value.substring(1, value.length() - 1) : value;
    }

    private static Optional<Duration> seconds(String value) {
        if (value.isEmpty() || value.length() > 9 || !value.chars().allMatch(Character::isDigit)) {
            return Optional.empty();
        }
        return Optional.of(Duration.ofSeconds(Long.parseLong(value)));
    }
}
