package io.vfleet.retry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;
import java.util.stream.Stream;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;

class BackoffTest {

    /** A generator that always draws the top of the range it is given: the bound itself. */
    private static final RandomGenerator HIGHEST = new RandomGenerator() {
        @Override
        public long nextLong() {
            throw new UnsupportedOperationException("only bounded draws");
        }

        @Override
        public long nextLong(long origin, long bound) {
            return bound - 1;
        }
    };

    /** A generator that always draws the bottom of the range: no wait at all. */
    private static final RandomGenerator LOWEST = new RandomGenerator() {
        @Override
        public long nextLong() {
            throw new UnsupportedOperationException("only bounded draws");
        }

        @Override
        public long nextLong(long origin, long bound) {
            return origin;
        }
    };

    @Test
    void theBoundDoublesFromTheFirstUpToTheLongest() {
        Backoff backoff = new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(10), HIGHEST);

        assertThat(Stream.generate(backoff::next).limit(6)).containsExactly(Duration.ofSeconds(1), Duration.ofSeconds(2),
                Duration.ofSeconds(4), Duration.ofSeconds(8), Duration.ofSeconds(10), Duration.ofSeconds(10));
    }

    @Test
    void theJitterReachesDownToNoWaitAtAll() {
        Backoff backoff = new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(10), LOWEST);

        assertThat(Stream.generate(backoff::next).limit(3)).containsOnly(Duration.ZERO);
    }

    @Test
    void aSuccessStartsTheNextSeriesFromTheFirst() {
        Backoff backoff = new Backoff(Duration.ofMillis(100), Duration.ofMinutes(1), HIGHEST);
        backoff.next();
        backoff.next();
        backoff.next();

        backoff.reset();

        assertThat(backoff.next()).isEqualTo(Duration.ofMillis(100));
        assertThat(backoff.next()).isEqualTo(Duration.ofMillis(200));
    }

    @Test
    void twoClientsCutOffTogetherDoNotRetryInLockstep() {
        Backoff agentA = new Backoff(Duration.ofSeconds(1), Duration.ofMinutes(1));
        Backoff agentB = new Backoff(Duration.ofSeconds(1), Duration.ofMinutes(1));

        List<Duration> waitsA = Stream.generate(agentA::next).limit(8).toList();
        List<Duration> waitsB = Stream.generate(agentB::next).limit(8).toList();

        assertThat(waitsA).isNotEqualTo(waitsB);
        assertThat(waitsA).doesNotHaveDuplicates();
    }

    @Test
    void theWaitsSpreadOverTheWholeWindow() {
        Backoff backoff = new Backoff(Duration.ofSeconds(8), Duration.ofSeconds(8), new SplittableRandom(12));
        int[] quarters = new int[4];
        for (int draw = 0; draw < 4000; draw++) {
            quarters[(int) Math.min(3, backoff.next().toNanos() / Duration.ofSeconds(2).toNanos())]++;
        }

        // Uniform: about 1000 in each quarter of [0, 8 s]; a wait bunched near the bound would fill the last.
        assertThat(Arrays.stream(quarters).boxed().toList()).allSatisfy(count -> assertThat(count).isBetween(850, 1150));
    }

    @Property
    void everyWaitLiesBetweenZeroAndItsBound(@ForAll @LongRange(min = 1, max = 60_000) long firstMillis,
                                             @ForAll @IntRange(min = 0, max = 20) int doublings,
                                             @ForAll @IntRange(min = 1, max = 80) int tries,
                                             @ForAll long seed) {
        Duration first = Duration.ofMillis(firstMillis);
        Duration longest = first.multipliedBy(1L << doublings);
        Backoff backoff = new Backoff(first, longest, new SplittableRandom(seed));
        List<Duration> waits = new ArrayList<>();

        for (int n = 0; n < tries; n++) {
            Duration bound = n >= 20 ? longest : min(longest, first.multipliedBy(1L << n));
            Duration wait = backoff.next();
            waits.add(wait);
            assertThat(wait).as("wait %d of %s", n, waits).isBetween(Duration.ZERO, bound);
        }
    }

    @Test
    void nonsenseBoundsAreRefused() {
        assertThatThrownBy(() -> new Backoff(Duration.ZERO, Duration.ofSeconds(1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("must be positive");
        assertThatThrownBy(() -> new Backoff(Duration.ofSeconds(2), Duration.ofSeconds(1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("shorter than the first");
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }
}
