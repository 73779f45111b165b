package io.vfleet.assignment.application;

import java.time.Duration;
import java.util.Objects;

/**
 * How long a caller waits for long work before it is answered with the work under way: what it asked
 * for, up to {@code longest}, or {@code byDefault} when it did not ask.
 */
public record WaitBudget(Duration byDefault, Duration longest) {

    public WaitBudget {
        Objects.requireNonNull(byDefault, "byDefault");
        Objects.requireNonNull(longest, "longest");
    }

    /** The wait for a caller that asked for {@code asked} (null when it did not ask). */
    public Duration of(Duration asked) {
        if (asked == null) {
            return byDefault;
        }
        return asked.compareTo(longest) > 0 ? longest : asked;
    }
}
