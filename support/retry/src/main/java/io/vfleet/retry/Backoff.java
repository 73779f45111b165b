package io.vfleet.retry;

import java.time.Duration;
import java.util.random.RandomGenerator;

/**
 * How long to wait before the next try after consecutive failures: exponential backoff with full
 * jitter. The n-th wait (from 0) is drawn uniformly from {@code [0, min(longest, first × 2^n)]}, so
 * that a fleet of agents cut off by the same outage spreads its retries over the whole window
 * instead of arriving together at each doubling, and the expected load on the recovering server
 * halves rather than spikes.
 *
 * <p>One caller's series of tries: not thread-safe; a loop that retries on several threads keeps its
 * own lock around it. {@link #reset()} after a success starts the next series from {@code first}.
 */
public final class Backoff {
    private final Duration first;
    private final Duration longest;
    private final RandomGenerator random;
    /** The upper bound of the next wait, in nanoseconds: {@code first}, doubled per failure up to {@code longest}. */
    private long ceiling;

    /** Waits doubling from {@code first} up to {@code longest}, with jitter from a generator of its own. */
    public Backoff(Duration first, Duration longest) {
        this(first, longest, RandomGenerator.getDefault());
    }

    /** As {@link #Backoff(Duration, Duration)}, drawing the jitter from {@code random}. */
    public Backoff(Duration first, Duration longest, RandomGenerator random) {
        if (first.isNegative() || first.isZero()) {
            throw new IllegalArgumentException("the first backoff " + first + " must be positive");
        }
        if (longest.compareTo(first) < 0) {
            throw new IllegalArgumentException("the longest backoff " + longest + " is shorter than the first " + first);
        }
        this.first = first;
        this.longest = longest;
        this.random = random;
        this.ceiling = first.toNanos();
    }

    /** The wait before the next try, and the series moves on: the bound doubles for the try after it. */
    public Duration next() {
        long bound = ceiling;
        long longestNanos = longest.toNanos();
        ceiling = bound > longestNanos / 2 ? longestNanos : bound * 2;
        return Duration.ofNanos(random.nextLong(0, bound == Long.MAX_VALUE ? bound : bound + 1));
    }

    /** A try succeeded: the next failure waits at most {@code first} again. */
    public void reset() {
        ceiling = first.toNanos();
    }

    public Duration first() {
        return first;
    }

    public Duration longest() {
        return longest;
    }
}
