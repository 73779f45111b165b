package io.vfleet.assignment.adapter.persistence;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.vfleet.assignment.domain.AssignmentState;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.dao.DataAccessException;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * How many assignments are in each state, as the gauge {@code vfleet.assignment.assignments} with tag
 * {@code state}, one series per {@link AssignmentState}, from one {@code GROUP BY} over the table.
 *
 * <p>The counts are read at most once per {@code vfleet.metrics.state-counts-cached-for} (5 s), whatever
 * the number of scrapers and series, so scrapes cost the database one query every few seconds at most. A failed read keeps the
 * last counts (the health probe, not this gauge, says the database is down).
 */
@Component
class AssignmentStateGauges implements MeterBinder {

    private static final Logger log = LoggerFactory.getLogger(AssignmentStateGauges.class);

    private final JdbcTemplate jdbc;
    private final Duration cachedFor;
    private Map<AssignmentState, Long> counts = new EnumMap<>(AssignmentState.class);
    private Instant readAt = Instant.MIN;

    AssignmentStateGauges(JdbcTemplate jdbc, @Value("${vfleet.metrics.state-counts-cached-for:5s}") Duration cachedFor) {
        this.jdbc = jdbc;
        this.cachedFor = cachedFor;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        for (AssignmentState state : AssignmentState.values()) {
            Gauge.builder("vfleet.assignment.assignments", this, gauges -> gauges.count(state))
                    .description("Assignments in each state")
                    .tag("state", state.name())
                    .register(registry);
        }
    }

    synchronized long count(AssignmentState state) {
        Instant now = Instant.now();
        if (Duration.between(readAt, now).compareTo(cachedFor) >= 0) {
            try {
                Map<AssignmentState, Long> read = new EnumMap<>(AssignmentState.class);
                jdbc.query("select state, count(*) from assignments group by state",
                        row -> { read.put(AssignmentState.valueOf(row.getString(1)), row.getLong(2)); });
                counts = read;
                readAt = now;
            } catch (DataAccessException failed) {
                log.debug("assignment counts not read; the gauges keep the last ones", failed);
            }
        }
        return counts.getOrDefault(state, 0L);
    }
}
