package io.vfleet.assignment;

import io.micrometer.core.instrument.MeterRegistry;
import io.vfleet.assignment.adapter.agent.AgentEndpoints;
import io.vfleet.assignment.adapter.agent.TimedNodeAgents;
import io.vfleet.assignment.adapter.persistence.IdempotencyProperties;
import io.vfleet.assignment.application.AssignDevices;
import io.vfleet.assignment.application.Failpoints;
import io.vfleet.assignment.application.ForgetExpiredIdempotencyKeys;
import io.vfleet.assignment.application.FleetView;
import io.vfleet.assignment.application.FollowChanges;
import io.vfleet.assignment.application.QueryAssignments;
import io.vfleet.assignment.application.QueryFleet;
import io.vfleet.assignment.application.ReconcileFleet;
import io.vfleet.assignment.application.ReconcileNode;
import io.vfleet.assignment.application.RecentChanges;
import io.vfleet.assignment.application.ReleaseAssignment;
import io.vfleet.assignment.application.ResetAssignment;
import io.vfleet.assignment.application.SetTenantPolicy;
import io.vfleet.assignment.application.WaitBudget;
import io.vfleet.assignment.application.WatchAssignments;
import io.vfleet.assignment.application.ShowTenant;
import io.vfleet.assignment.application.port.AssignmentChangeLog;
import io.vfleet.assignment.application.port.Assignments;
import io.vfleet.assignment.application.port.AuditLog;
import io.vfleet.assignment.application.port.FencingEpochs;
import io.vfleet.assignment.application.port.IdempotencyKeys;
import io.vfleet.assignment.application.port.NodeAgents;
import io.vfleet.assignment.application.port.NodeLocks;
import io.vfleet.assignment.application.port.Telemetry;
import io.vfleet.assignment.application.port.Tenants;
import io.vfleet.assignment.application.port.Topologies;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.ApplicationListener;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.event.ContextClosedEvent;
import org.springframework.core.env.Environment;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Wires the use cases to the adapters. The use cases know no Spring but its transaction template,
 * so they are built here rather than scanned.
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties({ReconcileProperties.class, IdempotencyProperties.class, ChangesProperties.class,
        AssignProperties.class})
class AssignmentConfiguration {

    private static final Logger log = LoggerFactory.getLogger(AssignmentConfiguration.class);

    /**
     * {@code vfleet.failpoints.<point>=pause}: where crash tests hold the service (see {@link Failpoints});
     * none unless configured. Stopping the service ends the requests parked at them.
     */
    @Bean(destroyMethod = "crash")
    Failpoints failpoints(Environment environment) {
        Map<String, String> configured = Binder.get(environment)
                .bind("vfleet.failpoints", Bindable.mapOf(String.class, String.class)).orElse(Map.of());
        Failpoints failpoints = Failpoints.configured(configured);
        if (failpoints.armed()) {
            log.warn("failpoints armed, for crash tests only: {}", configured);
        }
        return failpoints;
    }

    /**
     * A stopping service ends the requests parked at failpoints first, before the web server waits
     * for requests in flight, so that a test's stop of the service in its own JVM acts as a crash.
     */
    @Bean
    ApplicationListener<ContextClosedEvent> crashParkedRequestsOnClose(Failpoints failpoints) {
        return closed -> failpoints.crash();
    }

    /** The fleet as this replica knows it, in memory, for decisions; filled by {@link FollowChanges#load}. */
    @Bean
    FleetView fleetView() {
        return new FleetView();
    }

    /** The change log's latest stretch, for this replica's watchers. */
    @Bean
    RecentChanges recentChanges(ChangesProperties properties) {
        return new RecentChanges(properties.recentChanges());
    }

    @Bean(initMethod = "load")
    FollowChanges followChanges(TransactionTemplate transactions, AssignmentChangeLog changes, Assignments assignments,
            Topologies topologies, FleetView view, RecentChanges recent, ChangesProperties properties) {
        return new FollowChanges(transactions, changes, assignments, topologies, view, recent, properties.retention());
    }

    @Bean
    WatchAssignments watchAssignments(TransactionTemplate transactions, AssignmentChangeLog changes, RecentChanges recent) {
        return new WatchAssignments(transactions, changes, recent);
    }

    /** The one thread that follows the change log into the fleet view. */
    @Bean(destroyMethod = "shutdownNow")
    // Each round catches its own failure, so the schedule's future never holds one to look at.
    @SuppressWarnings("FutureReturnValueIgnored")
    ScheduledExecutorService fleetViewExecutor(FollowChanges follow, ChangesProperties properties) {
        ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().name("fleet-view").daemon().factory());
        long every = properties.followInterval().toMillis();
        executor.scheduleWithFixedDelay(() -> {
            try {
                follow.catchUp();
            } catch (RuntimeException failed) {
                // The database is away, most likely: the next round reads from the same position.
                log.debug("the change log could not be read", failed);
            }
        }, every, every, TimeUnit.MILLISECONDS);
        return executor;
    }

    /** The use cases' agents are timed wherever they come from, so a test's fake agents are measured too. */
    @Bean
    ReleaseAssignment.Ports releasePorts(Assignments assignments, Topologies topologies, FleetView view,
            FencingEpochs epochs, NodeAgents agents, AuditLog audit, Telemetry telemetry, MeterRegistry registry) {
        return new ReleaseAssignment.Ports(assignments, topologies, view, epochs, new TimedNodeAgents(agents, registry),
                audit, telemetry);
    }

    @Bean
    ReleaseAssignment releaseAssignment(TransactionTemplate transactions, ReleaseAssignment.Ports ports,
            Failpoints failpoints) {
        return new ReleaseAssignment(transactions, ports, failpoints);
    }

    /**
     * Where prepares and their outcomes run, a virtual thread each, so that a caller waits only as long
     * as it asked; closing waits for those still running (each bounded by the agents' deadline).
     */
    @Bean(destroyMethod = "close")
    ExecutorService assignmentsInBackground() {
        return Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("assign-", 0).factory());
    }

    @Bean
    AssignDevices assignDevices(TransactionTemplate transactions, ReleaseAssignment.Ports ports, Tenants tenants,
            IdempotencyKeys idempotencyKeys, FollowChanges follow, ReleaseAssignment release,
            ExecutorService assignmentsInBackground, Failpoints failpoints) {
        return new AssignDevices(transactions, new AssignDevices.Ports(ports.assignments(), tenants, idempotencyKeys,
                ports.epochs(), ports.agents(), ports.telemetry()), follow, release, assignmentsInBackground,
                failpoints);
    }

    /** How long an assign request waits for its outcome unless it says otherwise, and at most. */
    @Bean
    WaitBudget assignWaitBudget(AssignProperties properties) {
        return new WaitBudget(properties.waitDefault(), properties.waitMax());
    }

    @Bean
    ForgetExpiredIdempotencyKeys forgetExpiredIdempotencyKeys(TransactionTemplate transactions,
            IdempotencyKeys idempotencyKeys) {
        return new ForgetExpiredIdempotencyKeys(transactions, idempotencyKeys);
    }

    @Bean
    IdempotencyKeyExpiry idempotencyKeyExpiry(ForgetExpiredIdempotencyKeys forget, IdempotencyProperties properties) {
        return new IdempotencyKeyExpiry(forget, properties.purgeInterval());
    }

    @Bean
    ResetAssignment resetAssignment(TransactionTemplate transactions, ReleaseAssignment.Ports ports) {
        return new ResetAssignment(transactions, ports);
    }

    @Bean
    ReconcileNode reconcileNode(TransactionTemplate transactions, ReleaseAssignment.Ports ports, Tenants tenants,
            ReleaseAssignment release, NodeLocks locks) {
        return new ReconcileNode(transactions, ports, tenants, release, locks);
    }

    /** The thread that says when reconciliation is due: on start and at its interval. */
    @Bean(destroyMethod = "shutdownNow")
    ScheduledExecutorService reconciliationScheduler() {
        return Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().name("reconcile-schedule").daemon().factory());
    }

    /** Where the runs go: a virtual thread each, at most {@code vfleet.reconcile.parallelism} reconciling at once. */
    @Bean(destroyMethod = "shutdownNow")
    ExecutorService reconciliationRuns() {
        return Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("reconcile-", 0).factory());
    }

    @Bean
    ReconcileFleet reconcileFleet(ReleaseAssignment.Ports ports, ReconcileNode reconcile,
            ExecutorService reconciliationRuns, ReconcileProperties properties) {
        return new ReconcileFleet(ports.topologies(), reconcile, reconciliationRuns, properties.fleetSettings());
    }

    @Bean
    ReconciliationSchedule reconciliationSchedule(ReconcileFleet fleet, ScheduledExecutorService reconciliationScheduler,
            ReconcileProperties properties, AgentEndpoints agentEndpoints) {
        return new ReconciliationSchedule(fleet, reconciliationScheduler, properties,
                List.copyOf(agentEndpoints.endpoints().keySet()));
    }

    @Bean
    SetTenantPolicy setTenantPolicy(TransactionTemplate transactions, Tenants tenants, AuditLog audit) {
        return new SetTenantPolicy(transactions, tenants, audit);
    }

    @Bean
    ShowTenant showTenant(TransactionTemplate transactions, Tenants tenants, Assignments assignments) {
        return new ShowTenant(transactions, tenants, assignments);
    }

    @Bean
    QueryAssignments queryAssignments(TransactionTemplate transactions, Assignments assignments) {
        return new QueryAssignments(transactions, assignments);
    }

    /** The dashboard's reads: one read-only, repeatable-read snapshot each. */
    @Bean
    QueryFleet queryFleet(PlatformTransactionManager transactionManager, Topologies topologies, Assignments assignments,
            AuditLog audit) {
        TransactionTemplate snapshots = new TransactionTemplate(transactionManager);
        snapshots.setReadOnly(true);
        snapshots.setIsolationLevel(TransactionDefinition.ISOLATION_REPEATABLE_READ);
        return new QueryFleet(snapshots, topologies, assignments, audit);
    }

}
