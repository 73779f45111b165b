package io.vfleet.inventory;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vfleet.inventory.application.ChangeLog;
import io.vfleet.inventory.application.CommittedRevision;
import io.vfleet.inventory.application.ListAndWatch;
import io.vfleet.inventory.application.MarkUnreachableNodes;
import io.vfleet.inventory.application.Nodes;
import io.vfleet.inventory.application.QueryDevices;
import io.vfleet.inventory.application.QueryNodes;
import io.vfleet.inventory.application.RecordHeartbeat;
import io.vfleet.inventory.application.RegisterNode;
import io.vfleet.inventory.application.TrimChangeLog;
import io.vfleet.inventory.domain.NodeState;
import io.vfleet.inventory.domain.RegistrationLimits;
import io.vfleet.inventory.domain.RegistrationRules;
import java.time.Clock;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The composition root: builds the use cases from the ports' adapters and the settings, and registers the
 * gauges that read the inventory's state when metrics are scraped.
 */
@Configuration(proxyBeanMethods = false)
class InventoryConfiguration {

    @Bean
    Clock clock() {
        return Clock.systemUTC();
    }

    @Bean
    CommittedRevision committedRevision() {
        return new CommittedRevision();
    }

    @Bean
    RegisterNode.Collaborators collaborators(Nodes nodes, ChangeLog changeLog, PlatformTransactionManager transactionManager,
                                             CommittedRevision committedRevision) {
        return new RegisterNode.Collaborators(nodes, changeLog, new TransactionTemplate(transactionManager), committedRevision);
    }

    @Bean
    RegisterNode registerNode(RegisterNode.Collaborators collaborators, InventoryProperties properties, Clock clock,
                              MeterRegistry meters) {
        RegistrationRules rules = new RegistrationRules(new RegistrationLimits(properties.maxDevices(), properties.maxTextLength()));
        return new RegisterNode(collaborators, rules, clock, meters);
    }

    @Bean
    RecordHeartbeat recordHeartbeat(RegisterNode.Collaborators collaborators, InventoryProperties properties, Clock clock,
                                    MeterRegistry meters) {
        return new RecordHeartbeat(collaborators, clock, properties.heartbeatTimeout(), meters);
    }

    @Bean
    MarkUnreachableNodes markUnreachableNodes(RegisterNode.Collaborators collaborators, InventoryProperties properties, Clock clock) {
        return new MarkUnreachableNodes(collaborators, clock, properties.heartbeatTimeout());
    }

    @Bean
    TrimChangeLog trimChangeLog(ChangeLog changeLog, PlatformTransactionManager transactionManager, InventoryProperties properties,
                                Clock clock) {
        return new TrimChangeLog(changeLog, new TransactionTemplate(transactionManager), clock, properties.changeLogRetention());
    }

    @Bean
    ListAndWatch listAndWatch(RegisterNode.Collaborators collaborators, PlatformTransactionManager transactionManager,
                              MeterRegistry meters) {
        TransactionTemplate snapshots = new TransactionTemplate(transactionManager);
        snapshots.setIsolationLevel(TransactionDefinition.ISOLATION_REPEATABLE_READ);
        snapshots.setReadOnly(true);
        return new ListAndWatch(collaborators, snapshots, meters);
    }

    @Bean
    QueryNodes queryNodes(Nodes nodes) {
        return new QueryNodes(nodes);
    }

    @Bean
    QueryDevices queryDevices(Nodes nodes) {
        return new QueryDevices(nodes);
    }

    @Bean
    Gauge revisionGauge(ChangeLog changeLog, MeterRegistry meters) {
        return Gauge.builder("vfleet.inventory.revision", () -> changeLog.current().value())
                .description("The newest committed revision of the inventory")
                .register(meters);
    }

    @Bean
    Gauge unreachableNodesGauge(Nodes nodes, MeterRegistry meters) {
        return Gauge.builder("vfleet.inventory.nodes.unreachable", () -> nodes.count(NodeState.UNREACHABLE))
                .description("Nodes whose agents missed their heartbeats")
                .register(meters);
    }
}
