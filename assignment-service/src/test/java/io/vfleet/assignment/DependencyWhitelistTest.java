package io.vfleet.assignment;

import static com.tngtech.archunit.core.domain.JavaClass.Predicates.INTERFACES;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.equivalentTo;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAnyPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;
import io.vfleet.assignment.adapter.grpc.GrpcReachingIntoPersistence;
import io.vfleet.assignment.adapter.web.dashboard.DashboardOpeningTransactions;
import io.vfleet.assignment.application.FleetView;
import io.vfleet.assignment.application.port.PortReachingOut;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * What the ports and each adapter of the assignment service may use, as whitelists (ArchitectureTest
 * states the direction between the layers and what the domain and the use cases may use). A port speaks
 * the domain's terms only; each adapter knows the application, the domain and its own technology, and
 * nothing of another adapter's: the REST and gRPC edges no JDBC, persistence no wire format, the
 * agent and inventory clients only their own API.
 */
@AnalyzeClasses(packages = "io.vfleet.assignment", importOptions = ImportOption.DoNotIncludeTests.class)
class DependencyWhitelistTest {
    private static final String ADAPTER = "io.vfleet.assignment.adapter";
    private static final String APPLICATION = "io.vfleet.assignment.application..";
    private static final String PORTS = "io.vfleet.assignment.application.port..";
    private static final String DOMAIN = "io.vfleet.assignment.domain..";
    private static final String AUDIT_FORMATS = "io.vfleet.tlog..";
    private static final String GRPC = "io.grpc..";
    private static final String PROTOBUF = "com.google.protobuf..";
    private static final String RPC_STATUS = "com.google.rpc..";
    private static final String LOGGING = "org.slf4j..";
    private static final String SETTINGS = "org.springframework.boot.context.properties..";
    private static final String SPRING_CONTEXT = "org.springframework.context..";
    private static final String STEREOTYPE = "org.springframework.stereotype..";

    @ArchTest
    static final ArchRule ports = only(PORTS, DOMAIN, AUDIT_FORMATS);

    /** Problems are rest-edge's (io.vfleet.rest), the same for every service. */
    @ArchTest
    static final ArchRule web = only(ADAPTER + ".web", APPLICATION, DOMAIN, AUDIT_FORMATS, "io.vfleet.security..", "io.vfleet.rest..",
            "io.swagger..", "com.fasterxml.jackson.annotation..", "tools.jackson.core..", "jakarta.validation..", "org.springdoc..",
            "org.springframework.beans..", SPRING_CONTEXT, "org.springframework.core..", "org.springframework.http..",
            "org.springframework.validation..", "org.springframework.web..");

    /** The dashboard asks the fleet query use case; it reads no port and opens no transaction of its own. */
    @ArchTest
    static final ArchRule dashboard = only(ADAPTER + ".web.dashboard..", APPLICATION, DOMAIN, "io.vfleet.security", "io.vfleet.rest..", "io.swagger..",
            "org.springframework.http..", "org.springframework.web..");

    /**
     * The REST and gRPC edges call use cases, never a port or persistence: a transaction, and what the
     * ports are asked in it, is the use case's to decide. The values a use case answers with may be
     * declared beside a port (a {@code Page}, an audit log's {@code Owner}); the ports themselves are not
     * for the edges.
     */
    @ArchTest
    static final ArchRule edgesCallUseCases = noClasses().that().resideInAnyPackage(ADAPTER + ".web..", ADAPTER + ".grpc..")
            .should().dependOnClassesThat(resideInAPackage(PORTS).and(INTERFACES).as("ports (interfaces of " + PORTS + ")"))
            .orShould().dependOnClassesThat().resideInAnyPackage(ADAPTER + ".persistence..", "org.springframework.transaction..",
                    "org.springframework.jdbc..", "javax.sql..");

    @ArchTest
    static final ArchRule grpc = only(ADAPTER + ".grpc..", APPLICATION, DOMAIN, AUDIT_FORMATS, "io.vfleet.security..",
            "io.vfleet.api.assignment.v1..", GRPC, PROTOBUF, RPC_STATUS, LOGGING, SPRING_CONTEXT, STEREOTYPE);

    /** Agents are dialled over mutual TLS with the service's fleet identity (io.vfleet.security.tls). */
    @ArchTest
    static final ArchRule agents = only(ADAPTER + ".agent..", PORTS, DOMAIN, "io.vfleet.api.agent.v1..", "io.vfleet.security..",
            GRPC, PROTOBUF, RPC_STATUS, "io.micrometer..", LOGGING, SETTINGS, SPRING_CONTEXT);

    @ArchTest
    static final ArchRule inventory = only(ADAPTER + ".inventory..", APPLICATION, DOMAIN, "io.vfleet.api.inventory.v1..",
            "io.vfleet.retry..", "io.vfleet.security..", GRPC, PROTOBUF, RPC_STATUS, LOGGING, "org.springframework.boot.autoconfigure.condition..",
            SETTINGS, SPRING_CONTEXT);

    @ArchTest
    static final ArchRule checkpoints = only(ADAPTER + ".checkpoint..", PORTS, AUDIT_FORMATS, LOGGING, SETTINGS, SPRING_CONTEXT);

    /**
     * Besides the ports it implements, persistence knows the database's pool (Hikari, to evict a connection
     * whose session lost its advisory locks), Jackson (assignments are stored as JSON) and, of the
     * application, the fleet view alone, which it tells what each transaction changed once it commits.
     */
    @ArchTest
    static final ArchRule persistence = classes().that().resideInAPackage(ADAPTER + ".persistence..").should()
            .onlyDependOnClassesThat(resideInAnyPackage("java..", "", ADAPTER + ".persistence..", PORTS, DOMAIN, AUDIT_FORMATS,
                    "javax.sql..", "com.zaxxer.hikari..", "tools.jackson.databind..", "io.micrometer..",
                    LOGGING, "org.springframework.beans..", SETTINGS, SPRING_CONTEXT, "org.springframework.dao..",
                    "org.springframework.jdbc..", STEREOTYPE, "org.springframework.transaction..")
                    .or(equivalentTo(FleetView.class)));

    @ArchTest
    static final ArchRule observability = only(ADAPTER + ".observability..", PORTS, DOMAIN, "io.micrometer..", LOGGING, STEREOTYPE);

    @Test
    void theGrpcEdgeReachingIntoPersistenceIsRefused() {
        JavaClasses violator = new ClassFileImporter().importClasses(GrpcReachingIntoPersistence.class);

        assertThat(grpc.evaluate(violator).getFailureReport().getDetails())
                .anySatisfy(line -> assertThat(line).contains("io.vfleet.assignment.adapter.persistence.AuditSequencer"))
                .anySatisfy(line -> assertThat(line).contains("org.springframework.jdbc.core.simple.JdbcClient"));
    }

    @Test
    void theDashboardOpeningItsOwnTransactionsIsRefused() {
        JavaClasses violator = new ClassFileImporter().importClasses(DashboardOpeningTransactions.class);

        assertThat(edgesCallUseCases.evaluate(violator).getFailureReport().getDetails())
                .anySatisfy(line -> assertThat(line).contains("org.springframework.transaction.support.TransactionTemplate"))
                .anySatisfy(line -> assertThat(line).contains("io.vfleet.assignment.application.port.Topologies"))
                .anySatisfy(line -> assertThat(line).contains("io.vfleet.assignment.application.port.Assignments"));
        assertThat(dashboard.evaluate(violator).getFailureReport().getDetails())
                .anySatisfy(line -> assertThat(line).contains("org.springframework.transaction.support.TransactionTemplate"));
    }

    @Test
    void aPortSpeakingSpringIsRefused() {
        JavaClasses violator = new ClassFileImporter().importClasses(PortReachingOut.class);

        assertThat(ports.evaluate(violator).getFailureReport().getDetails())
                .anySatisfy(line -> assertThat(line).contains("org.springframework.transaction.annotation.Transactional"));
    }

    /** Classes of {@code own} (a package, or with ".." a package tree) use only the JDK, {@code own} and {@code allowed}. */
    private static ArchRule only(String own, String... allowed) {
        return classes().that().resideInAPackage(own).should().onlyDependOnClassesThat()
                .resideInAnyPackage(Stream.concat(Stream.of("java..", "", own), Stream.of(allowed)).toArray(String[]::new));
    }
}
