package io.vfleet.assignment;

import io.micrometer.core.instrument.MeterRegistry;
import io.vfleet.assignment.adapter.agent.TimedNodeAgents;
import io.vfleet.assignment.application.AssignDevices;
import io.vfleet.assignment.application.QueryAssignments;
import io.vfleet.assignment.application.ReconcileFleet;
import io.vfleet.assignment.application.ReconcileNode;
import io.vfleet.assignment.application.ReleaseAssignment;
import io.vfleet.assignment.application.ResetAssignment;
import io.vfleet.assignment.application.SetTenantPolicy;
import io.vfleet.assignment.application.ShowTenant;
import io.vfleet.assignment.application.port.Assignments;
import io.vfleet.assignment.application.port.AuditLog;
import io.vfleet.assignment.application.port.FencingEpochs;
import io.vfleet.assignment.application.port.IdempotencyKeys;
import io.vfleet.assignment.application.port.NodeAgents;
import io.vfleet.assignment.application.port.Telemetry;
import io.vfleet.assignment.application.port.Tenants;
import io.vfleet.assignment.application.port.Topologies;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Wires the use cases to the adapters. The use cases know no Spring but its transaction template,
 * so they are built here rather than scanned.
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(ReconcileProperties.class)
class AssignmentConfiguration {

    /** The use cases' agents are timed wherever they come from, so a test's fake agents are measured too. */
    @Bean
    ReleaseAssignment.Ports releasePorts(Assignments assignments, Topologies topologies, FencingEpochs epochs,
            NodeAgents agents, AuditLog audit, Telemetry telemetry, MeterRegistry registry) {
        return new ReleaseAssignment.Ports(assignments, topologies, epochs, new TimedNodeAgents(agents, registry), audit,
                telemetry);
    }

    @Bean
    ReleaseAssignment releaseAssignment(TransactionTemplate transactions, ReleaseAssignment.Ports ports) {
        return new ReleaseAssignment(transactions, ports);
    }

    @Bean
    AssignDevices assignDevices(TransactionTemplate transactions, ReleaseAssignment.Ports ports, Tenants tenants,
            IdempotencyKeys idempotencyKeys, ReleaseAssignment release) {
        return new AssignDevices(transactions, new AssignDevices.Ports(ports.assignments(), tenants, ports.topologies(),
                idempotencyKeys, ports.epochs(), ports.agents(), ports.audit(), ports.telemetry()), release);
    }

    @Bean
    ResetAssignment resetAssignment(TransactionTemplate transactions, ReleaseAssignment.Ports ports) {
        return new ResetAssignment(transactions, ports);
    }

    @Bean
    ReconcileNode reconcileNode(TransactionTemplate transactions, ReleaseAssignment.Ports ports, Tenants tenants,
            ReleaseAssignment release) {
        return new ReconcileNode(transactions, ports, tenants, release);
    }

    /** The one thread reconciliation runs on, so that runs never overlap in this replica. */
    @Bean(destroyMethod = "shutdownNow")
    ScheduledExecutorService reconciliationExecutor() {
        return Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().name("reconcile").daemon().factory());
    }

    @Bean
    ReconcileFleet reconcileFleet(ReleaseAssignment.Ports ports, ReconcileNode reconcile,
            ScheduledExecutorService reconciliationExecutor, ReconcileProperties properties) {
        return new ReconcileFleet(ports.topologies(), reconcile, reconciliationExecutor, properties.onRegistration());
    }

    @Bean
    ReconciliationSchedule reconciliationSchedule(ReconcileFleet fleet, ScheduledExecutorService reconciliationExecutor,
            ReconcileProperties properties) {
        return new ReconciliationSchedule(fleet, reconciliationExecutor, properties);
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
}
