package io.vfleet.assignment.adapter.observability;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.vfleet.assignment.application.port.Telemetry;
import io.vfleet.assignment.domain.Violation;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.slf4j.MDC;
import org.springframework.stereotype.Component;

/**
 * Telemetry as operators read it: the assignment an operation is about in the logging MDC under
 * {@link #ASSIGNMENT} (the console pattern and the structured formats print it), violations by rule
 * as {@code vfleet.assignment.refusals} and reconciliation repairs by kind as
 * {@code vfleet.assignment.reconcile.repairs}.
 *
 * <p>A refusal with several violations counts once per violation: the counter answers "how often
 * did rule X stop an assignment", not "how many requests were refused".
 *
 * <p>The transactions of assigns and releases are timed as {@code vfleet.assignment.transaction}, tag
 * {@code step} (assign_intent, assign_outcome, release_intent, release_outcome), with a percentile
 * histogram: with {@code vfleet.assignment.agent.call} they say where an assign's time goes.
 */
@Component
class MicrometerTelemetry implements Telemetry {

    /** The MDC key of the assignment id. */
    static final String ASSIGNMENT = "assignment";

    private final MeterRegistry registry;

    MicrometerTelemetry(MeterRegistry registry) {
        this.registry = registry;
        // Every rule and repair from the start, at zero: a rate over a series that appears only on
        // its first increment misses that increment.
        for (Violation.Rule rule : Violation.Rule.values()) {
            refusals(rule);
        }
        for (Repair repair : Repair.values()) {
            repairs(repair);
        }
    }

    @Override
    public Scope operation(String assignmentId) {
        String outer = MDC.get(ASSIGNMENT);
        MDC.put(ASSIGNMENT, assignmentId);
        return () -> {
            if (outer == null) {
                MDC.remove(ASSIGNMENT);
            } else {
                MDC.put(ASSIGNMENT, outer);
            }
        };
    }

    @Override
    public void refused(List<Violation> violations) {
        violations.forEach(violation -> refusals(violation.rule()).increment());
    }

    @Override
    public void repaired(Repair repair) {
        repairs(repair).increment();
    }

    @Override
    public void transaction(Step step, long nanos) {
        Timer.builder("vfleet.assignment.transaction").description("Transactions of assigns and releases, to their commit")
                .tag("step", step.name().toLowerCase(Locale.ROOT))
                .publishPercentileHistogram()
                .register(registry)
                .record(nanos, TimeUnit.NANOSECONDS);
    }

    private Counter refusals(Violation.Rule rule) {
        return Counter.builder("vfleet.assignment.refusals").description("Violations that refused an operation, by rule")
                .tag("rule", rule.name()).register(registry);
    }

    private Counter repairs(Repair repair) {
        return Counter.builder("vfleet.assignment.reconcile.repairs").description("Repairs made by reconciliation, by kind")
                .tag("repair", repair.name().toLowerCase(Locale.ROOT)).register(registry);
    }
}
