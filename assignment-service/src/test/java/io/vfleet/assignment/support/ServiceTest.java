package io.vfleet.assignment.support;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.webmvc.test.autoconfigure.AutoConfigureMockMvc;
import org.springframework.context.annotation.Import;

/**
 * The whole service on the shared embedded PostgreSQL, with fake agents. Every test class with this
 * annotation shares one Spring context; {@link ServiceTestBase} empties the database before each test.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@SpringBootTest(properties = {
        "spring.profiles.active=local",
        "vfleet.security.tokens[0].token=operator-token",
        "vfleet.security.tokens[0].role=operator",
        "vfleet.security.tokens[0].subject=ops-team",
        "vfleet.security.tokens[1].token=orchestrator-token",
        "vfleet.security.tokens[1].role=orchestrator",
        "vfleet.security.tokens[2].token=acme-token",
        "vfleet.security.tokens[2].role=orchestrator",
        "vfleet.security.tokens[2].tenant=acme",
        "vfleet.security.tokens[3].token=auditor-token",
        "vfleet.security.tokens[3].role=auditor",
        "vfleet.security.tokens[4].token=globex-token",
        "vfleet.security.tokens[4].role=orchestrator",
        "vfleet.security.tokens[4].tenant=globex",
        "vfleet.security.tokens[5].token=agent-n1-token",
        "vfleet.security.tokens[5].role=agent",
        "vfleet.security.tokens[5].node=n1",
        "vfleet.security.tokens[6].token=controller-token",
        "vfleet.security.tokens[6].role=controller",
        // gRPC in-process for the tests' stubs, and no fixed port that another build may hold.
        "spring.grpc.server.port=0",
        "spring.grpc.server.inprocess.name=" + ServiceTest.GRPC_IN_PROCESS,
        // Tests reconcile when they mean to; a run of its own would race them for the same repairs.
        "vfleet.reconcile.on-start=false",
        "vfleet.reconcile.interval=0s",
        // Tests read the state gauges right after changing the states.
        "vfleet.metrics.state-counts-cached-for=0s",
        "logging.level.root=WARN",
        "logging.level.io.vfleet=INFO",
})
@AutoConfigureMockMvc
@Import(TestInfrastructure.class)
public @interface ServiceTest {

    /** The name of the service's in-process gRPC server. */
    String GRPC_IN_PROCESS = "assignment-service-test";

    /** Where the tests' audit signing key and checkpoints are kept (src/test/resources/config/application.properties). */
    String AUDIT = "target/audit-test";
}
