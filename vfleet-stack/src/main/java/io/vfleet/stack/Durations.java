package io.vfleet.stack;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;

/**
 * Durations as the launcher's options take them, the way the services' settings are written
 * ({@code 500ms}, {@code 30s}, {@code 5m}, {@code 1h}) or in ISO-8601 ({@code PT30S}), and as its
 * messages print them.
 */
final class Durations implements CommandLine.ITypeConverter<Duration> {
    private static final Pattern SIMPLE = Pattern.compile("(\\d{1,9})(ms|s|m|h)");

    @Override
    public Duration convert(String text) {
        return parse(text);
    }

    static Duration parse(String text) {
        Matcher simple = SIMPLE.matcher(text.strip());
        if (simple.matches()) {
            long amount = Long.parseLong(simple.group(1));
            return switch (simple.group(2)) {
                case "ms" -> Duration.ofMillis(amount);
                case "s" -> Duration.ofSeconds(amount);
                case "m" -> Duration.ofMinutes(amount);
                case "h" -> Duration.ofHours(amount);
                default -> throw new AssertionError("the pattern admits no unit " + simple.group(2));
            };
        }
        try {
            return Duration.parse(text.strip());
        } catch (DateTimeParseException e) {
            throw new CommandLine.TypeConversionException("'" + text + "' is not a duration such as 30s, 5m or PT30S");
        }
    }

    /** {@code 850 ms}, {@code 12 s}, {@code 3 min 5 s}, {@code 2 h 1 min}. */
    static String describe(Duration duration) {
        if (duration.compareTo(Duration.ofSeconds(1)) < 0) {
            return duration.toMillis() + " ms";
        }
        if (duration.compareTo(Duration.ofMinutes(1)) < 0) {
            return duration.toSeconds() + " s";
        }
        if (duration.compareTo(Duration.ofHours(1)) < 0) {
            return duration.toMinutes() + " min " + duration.toSecondsPart() + " s";
        }
        return duration.toHours() + " h " + duration.toMinutesPart() + " min";
    }

    /** The form the services' settings take: whole seconds, {@code 30s}. */
    static String asSetting(Duration duration) {
        return duration.toSeconds() + "s";
    }
}
