package io.vfleet.assignment;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;
import io.vfleet.assignment.adapter.grpc.GrpcReachingIntoPersistence;
import io.vfleet.assignment.application.port.PortReachingOut;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * What the ports and each adapter of the assignment service may use, as whitelists (ArchitectureTest
 * states the direction between the layers and what the domain and the use cases may use). A port speaks
 * the domain's terms only; each adapter knows the application, the domain and its own technology, and
 * nothing of another adapter's: the REST and gRPC edges no JPA or JDBC, persistence no wire format, the
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

    @ArchTest
    static final ArchRule web = only(ADAPTER + ".web", APPLICATION, DOMAIN, AUDIT_FORMATS, "io.vfleet.security..",
            "io.vfleet.rest", "io.swagger..", "com.fasterxml.jackson.annotation..", "tools.jackson.core..", "jakarta.validation..", "org.springdoc..",
            "org.springframework.beans..", SPRING_CONTEXT, "org.springframework.core..", "org.springframework.http..",
            "org.springframework.validation..", "org.springframework.web..");

    /**
     * The dashboard reads the ports in transactions of its own, where it should call a use case; the
     * whitelist holds it there until it does.
     */
    @ArchTest
    static final ArchRule dashboard = only(ADAPTER + ".web.dashboard..", PORTS, DOMAIN, "io.vfleet.security", "io.vfleet.rest",
            "io.swagger..",
            "org.springframework.http..", "org.springframework.web..", "org.springframework.transaction..");

    @ArchTest
    static final ArchRule grpc = only(ADAPTER + ".grpc..", APPLICATION, DOMAIN, AUDIT_FORMATS, "io.vfleet.security..",
            "io.vfleet.api.assignment.v1..", GRPC, PROTOBUF, RPC_STATUS, LOGGING, SPRING_CONTEXT, STEREOTYPE);

    @ArchTest
    static final ArchRule agents = only(ADAPTER + ".agent..", PORTS, DOMAIN, "io.vfleet.api.agent.v1..", GRPC, PROTOBUF,
            RPC_STATUS, "io.micrometer..", SETTINGS, SPRING_CONTEXT);

    @ArchTest
    static final ArchRule inventory = only(ADAPTER + ".inventory..", APPLICATION, DOMAIN, "io.vfleet.api.inventory.v1..",
            "io.vfleet.retry..", GRPC, PROTOBUF, RPC_STATUS, LOGGING, "org.springframework.boot.autoconfigure.condition..",
            SETTINGS, SPRING_CONTEXT);

    @ArchTest
    static final ArchRule checkpoints = only(ADAPTER + ".checkpoint..", PORTS, AUDIT_FORMATS, LOGGING, SETTINGS, SPRING_CONTEXT);

    @ArchTest
    static final ArchRule persistence = only(ADAPTER + ".persistence..", PORTS, DOMAIN, AUDIT_FORMATS, "javax.sql..", "jakarta.persistence..",
            "io.micrometer..", LOGGING, "org.springframework.beans..", SETTINGS, SPRING_CONTEXT, "org.springframework.dao..",
            "org.springframework.jdbc..", STEREOTYPE, "org.springframework.transaction..");

    @ArchTest
    static final ArchRule observability = only(ADAPTER + ".observability..", PORTS, DOMAIN, "io.micrometer..", LOGGING, STEREOTYPE);

    @Test
    void theGrpcEdgeReachingIntoPersistenceIsRefused() {
        JavaClasses violator = new ClassFileImporter().importClasses(GrpcReachingIntoPersistence.class);

        assertThat(grpc.evaluate(violator).getFailureReport().getDetails())
                .anySatisfy(line -> assertThat(line).contains("io.vfleet.assignment.adapter.persistence.AuditSequencer"))
                .anySatisfy(line -> assertThat(line).contains("jakarta.persistence.EntityManager"));
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
