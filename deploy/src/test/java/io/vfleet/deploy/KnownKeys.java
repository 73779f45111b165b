package io.vfleet.deploy;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The setting names an app reads, and the test of whether a {@link Setting} is one of them.
 *
 * <p>A key is written in property form; {@code [#]} stands for any list index and a trailing
 * {@code .*} for any map key ({@code vfleet.security.tokens[#].role}, {@code logging.level.*}).
 * A key that Spring binds loosely (lower case, dots and dashes) matches every spelling of it; a
 * placeholder name that is not one ({@code ${VFLEET_INVENTORY_DB_URL}}) matches only itself, or, from
 * the environment, its upper-case form with underscores, as Spring's environment lookup tries.
 */
final class KnownKeys {
    private static final Pattern LOOSE = Pattern.compile("[a-z0-9][a-z0-9.\\-\\[\\]#]*(\\.\\*)?");
    private static final String INDEX = "#";
    private static final String ANY = "*";

    private record Key(String written, List<String> segments, boolean loose) {
        boolean matches(Setting setting) {
            if (setting.name().equals(written)) {
                return true;
            }
            if (setting.source() == Setting.Source.ENVIRONMENT && !written.contains("#") && !written.endsWith(ANY)
                    && setting.name().equals(written.replace('.', '_').replace('-', '_').toUpperCase(Locale.ROOT))) {
                return true;
            }
            return loose && segmentsMatch(setting.segments());
        }

        private boolean segmentsMatch(List<String> actual) {
            for (int i = 0; i < segments.size(); i++) {
                String expected = segments.get(i);
                if (expected.equals(ANY)) {
                    return actual.size() > i;
                }
                if (i >= actual.size()) {
                    return false;
                }
                boolean same = expected.equals(INDEX) ? actual.get(i).chars().allMatch(Character::isDigit) && !actual.get(i).isEmpty()
                        : expected.equals(actual.get(i));
                if (!same) {
                    return false;
                }
            }
            return actual.size() == segments.size();
        }
    }

    private final List<Key> keys = new ArrayList<>();

    static KnownKeys of(String... written) {
        KnownKeys known = new KnownKeys();
        known.addAll(List.of(written));
        return known;
    }

    void add(String written) {
        keys.add(key(written));
    }

    void addAll(Collection<String> written) {
        written.forEach(this::add);
    }

    boolean reads(Setting setting) {
        return keys.stream().anyMatch(key -> key.matches(setting));
    }

    /** The value the app sees for {@code written}: that of the matching setting of highest precedence. */
    static Optional<String> valueOf(String written, List<Setting> lowestPrecedenceFirst) {
        Key key = key(written);
        Optional<String> value = Optional.empty();
        for (Setting setting : lowestPrecedenceFirst) {
            if (key.matches(setting)) {
                value = Optional.of(setting.value());
            }
        }
        return value;
    }

    private static Key key(String written) {
        boolean loose = LOOSE.matcher(written).matches();
        List<String> segments = loose ? Setting.propertySegments(written.replace("[#]", ".#")) : List.of();
        return new Key(written, segments, loose);
    }
}
