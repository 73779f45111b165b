package io.vfleet.assignment.support;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.annotation.Import;

/**
 * The whole service on a real HTTP port, on the shared embedded PostgreSQL, with fake agents: for
 * clients that need a socket (a browser, a stream). Every test class with this annotation shares one
 * Spring context; {@link ServiceTestBase} empties the database before each test.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "spring.profiles.active=local",
        "vfleet.security.tokens[0].token=operator-token",
        "vfleet.security.tokens[0].role=operator",
        "vfleet.security.tokens[1].token=orchestrator-token",
        "vfleet.security.tokens[1].role=orchestrator",
        "vfleet.security.tokens[2].token=acme-token",
        "vfleet.security.tokens[2].role=orchestrator",
        "vfleet.security.tokens[2].tenant=acme",
        // No fixed gRPC port that another build on the machine may hold.
        "spring.grpc.server.port=0",
        // Tests set up releases left half done; a reconciliation run must not finish them meanwhile.
        "vfleet.reconcile.on-start=false",
        "vfleet.reconcile.interval=0s",
        "logging.level.root=WARN",
})
@Import(TestInfrastructure.class)
public @interface ServiceOnAPort {}
