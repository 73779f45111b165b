package io.vfleet.assignment;

import io.vfleet.assignment.adapter.persistence.AuditSequencer;
import io.vfleet.assignment.application.ProveAudit;
import io.vfleet.assignment.application.QueryAudit;
import io.vfleet.assignment.application.SignCheckpoint;
import io.vfleet.assignment.application.port.AuditCheckpoints;
import io.vfleet.assignment.application.port.AuditLog;
import io.vfleet.assignment.application.port.CheckpointArchive;
import io.vfleet.assignment.application.port.CheckpointKeys;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The audit log's use cases: reading and verifying it, proving it, and signing its checkpoints, on
 * demand and on a schedule ({@code vfleet.audit.checkpoints.interval}). Readers wait at most
 * {@code vfleet.audit.read-wait} (default 5 s) for events committed before their question to be
 * linked, and otherwise say how many were not.
 */
@Configuration(proxyBeanMethods = false)
class AuditConfiguration {

    @Bean
    QueryAudit.Checkpoints auditCheckpointSources(AuditCheckpoints stored, CheckpointArchive archive, CheckpointKeys keys) {
        return new QueryAudit.Checkpoints(stored, archive, keys);
    }

    @Bean
    QueryAudit queryAudit(TransactionTemplate transactions, PlatformTransactionManager transactionManager, AuditLog audit,
            QueryAudit.Checkpoints checkpoints, @Value("${vfleet.audit.read-wait:5s}") Duration readWait) {
        // One snapshot for a whole verification, however many batches it reads.
        TransactionTemplate snapshots = new TransactionTemplate(transactionManager);
        snapshots.setIsolationLevel(TransactionDefinition.ISOLATION_REPEATABLE_READ);
        snapshots.setReadOnly(true);
        return new QueryAudit(transactions, snapshots, audit, checkpoints, readWait);
    }

    @Bean
    ProveAudit proveAudit(TransactionTemplate transactions, AuditLog audit, AuditCheckpoints checkpoints) {
        return new ProveAudit(transactions, audit, checkpoints);
    }

    @Bean
    SignCheckpoint signCheckpoint(TransactionTemplate transactions, AuditLog audit, QueryAudit.Checkpoints checkpoints,
            @Value("${vfleet.audit.read-wait:5s}") Duration readWait) {
        return new SignCheckpoint(transactions, audit, checkpoints, readWait);
    }

    @Bean(destroyMethod = "shutdownNow")
    ScheduledExecutorService checkpointExecutor() {
        return Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().name("audit-checkpoints").daemon().factory());
    }

    @Bean
    CheckpointSchedule checkpointSchedule(SignCheckpoint sign, AuditSequencer sequencer,
            ScheduledExecutorService checkpointExecutor,
            @Value("${vfleet.audit.checkpoints.interval:60s}") Duration interval) {
        return new CheckpointSchedule(sign, sequencer::leading, checkpointExecutor, interval);
    }
}
