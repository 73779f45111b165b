package io.vfleet.inventory;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;
import io.vfleet.inventory.adapter.web.WebReachingIntoPersistence;
import io.vfleet.inventory.application.ApplicationReachingOut;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * What each layer of the inventory may use, as whitelists (ArchitectureTest states the direction
 * between the layers). The use cases know the domain, the caller and transactions; each adapter knows
 * the use cases, the domain and its own technology: REST and gRPC never JPA, persistence never a wire
 * format of the API, scheduling nothing but the use cases it triggers.
 */
@AnalyzeClasses(packages = "io.vfleet.inventory", importOptions = ImportOption.DoNotIncludeTests.class)
class DependencyWhitelistTest {
    private static final String INVENTORY = "io.vfleet.inventory";
    private static final String APPLICATION = INVENTORY + ".application..";
    private static final String DOMAIN = INVENTORY + ".domain..";

    @ArchTest
    static final ArchRule application = only(INVENTORY + ".application..", DOMAIN, "io.vfleet.security", "io.micrometer..",
            "org.springframework.transaction..");

    /** Problems are rest-edge's (io.vfleet.rest), the same for every service. */
    @ArchTest
    static final ArchRule web = only(INVENTORY + ".adapter.web..", APPLICATION, DOMAIN, "io.vfleet.security..", "io.vfleet.rest..",
            "io.swagger..", "org.springdoc..", "org.springframework.http..", "org.springframework.web..", "org.springframework.context..");

    @ArchTest
    static final ArchRule grpc = only(INVENTORY + ".adapter.grpc..", APPLICATION, DOMAIN, "io.vfleet.security..",
            "io.vfleet.api.inventory.v1..", "io.grpc..", "com.google.protobuf..", "com.google.rpc..",
            "org.springframework.context..", "org.springframework.stereotype..", "org.springframework.transaction..");

    @ArchTest
    static final ArchRule persistence = only(INVENTORY + ".adapter.persistence..", APPLICATION, DOMAIN, "jakarta.persistence..",
            "org.springframework.stereotype..", "org.springframework.transaction..", "tools.jackson..");

    @ArchTest
    static final ArchRule scheduling = only(INVENTORY + ".adapter.scheduling..", APPLICATION, "org.slf4j..",
            "org.springframework.boot.autoconfigure.condition..", "org.springframework.scheduling..", "org.springframework.stereotype..");

    @Test
    void theRestAdapterUsingJpaIsRefused() {
        JavaClasses violator = new ClassFileImporter().importClasses(WebReachingIntoPersistence.class);

        assertThat(web.evaluate(violator).getFailureReport().getDetails())
                .anySatisfy(line -> assertThat(line).contains("jakarta.persistence.EntityManager"));
    }

    @Test
    void aUseCaseUsingTheWebIsRefused() {
        JavaClasses violator = new ClassFileImporter().importClasses(ApplicationReachingOut.class);

        assertThat(application.evaluate(violator).getFailureReport().getDetails())
                .anySatisfy(line -> assertThat(line).contains("org.springframework.http.ResponseEntity"));
    }

    /** Classes of {@code own} use only the JDK, their own package and {@code allowed}. */
    private static ArchRule only(String own, String... allowed) {
        return classes().that().resideInAPackage(own).should().onlyDependOnClassesThat()
                .resideInAnyPackage(Stream.concat(Stream.of("java..", "", own), Stream.of(allowed)).toArray(String[]::new));
    }
}
