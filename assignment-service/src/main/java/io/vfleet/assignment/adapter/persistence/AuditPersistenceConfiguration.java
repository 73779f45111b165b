package io.vfleet.assignment.adapter.persistence;

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

    /** Started once the context is up (after the migrations), stopped before the database pool closes. */
    @Bean
    AuditSequencer auditSequencer(DataSource dataSource, SequencerProperties properties,
            ObjectProvider<AuditSequencer.Hook> hook) {
        return new AuditSequencer(dataSource, new AuditSequencer.Timing(properties.poll(), properties.standbyRetry()),
                hook.getIfAvailable(() -> AuditSequencer.Hook.NONE));
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
