package io.vfleet.engine.benchmarks;

import java.time.Instant;

/** A deliberate violation for DependencyWhitelistTest: a benchmark timing itself beside JMH. */
final class BenchmarkTimingItself {
    private BenchmarkTimingItself() {}

    static String names() {
        return Instant.class.getName();
    }
}
