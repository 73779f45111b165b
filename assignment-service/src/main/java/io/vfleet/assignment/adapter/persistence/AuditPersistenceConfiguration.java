package io.vfleet.assignment.adapter.persistence;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vfleet.assignment.application.port.AuditCheckpoints;
import io.vfleet.assignment.application.port.AuditLog;
import javax.sql.DataSource;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;

/** The audit log's tables and the sequencer that links them, on the service's database. */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(SequencerProperties.class)
class AuditPersistenceConfiguration {

    /**
     * Started once the context is up (after the migrations), stopped before the database pool closes;
     * its metrics say whether this replica links the log and how many events it linked.
     */
    @Bean
    AuditSequencer auditSequencer(DataSource dataSource, SequencerProperties properties,
            ObjectProvider<AuditSequencer.Hook> hook, MeterRegistry registry) {
        AuditSequencer sequencer = new AuditSequencer(dataSource,
                new AuditSequencer.Timing(properties.poll(), properties.linger(), properties.standbyRetry()),
                hook.getIfAvailable(() -> AuditSequencer.Hook.NONE));
        Gauge.builder("vfleet.assignment.audit.sequencer.leading", sequencer, leader -> leader.leading() ? 1 : 0)
                .description("1 while this replica's sequencer links the audit log").register(registry);
        FunctionCounter.builder("vfleet.assignment.audit.linked", sequencer, AuditSequencer::linked)
                .description("audit events this replica's sequencer linked into the log").register(registry);
        return sequencer;
    }

    @Bean
    AuditLog auditLog(NamedParameterJdbcTemplate jdbc, AuditSequencer sequencer) {
        return new JdbcAuditLog(jdbc, sequencer);
    }

    @Bean
    AppendOnlyRoleCheck appendOnlyRoleCheck(NamedParameterJdbcTemplate jdbc) {
        return new AppendOnlyRoleCheck(jdbc);
    }

    @Bean
    AuditCheckpoints auditCheckpoints(NamedParameterJdbcTemplate jdbc) {
        return new JdbcAuditCheckpoints(jdbc);
    }
}
