package io.vfleet.rest;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;
import org.junit.jupiter.api.Test;

/**
 * What the REST edge every service shares may use: Spring MVC and its Boot wiring, the Servlet API,
 * Jackson (strict JSON and problem documents), the OpenAPI model it describes refusals in, SLF4J, and the
 * JDK. It knows no service and no security of a service (nothing else of io.vfleet), no servlet container
 * (it runs on whichever one Boot starts), and logs through SLF4J alone.
 */
@AnalyzeClasses(packages = "io.vfleet.rest", importOptions = ImportOption.DoNotIncludeTests.class)
class DependencyWhitelistTest {
    private static final String OWN = "io.vfleet.rest..";

    @ArchTest
    static final ArchRule edge = classes().that().resideInAPackage(OWN).should().onlyDependOnClassesThat()
            .resideInAnyPackage("", OWN, "jakarta.servlet..", "io.swagger.v3.oas.models..", "org.springdoc.core.customizers..",
                    "tools.jackson.core..", "tools.jackson.databind..", "org.slf4j", "org.springframework.beans..",
                    "org.springframework.context..", "org.springframework.core..", "org.springframework.http..",
                    "org.springframework.stereotype..", "org.springframework.util..", "org.springframework.validation..",
                    "org.springframework.web..", "org.springframework.boot.autoconfigure..", "org.springframework.boot.context.properties..",
                    "org.springframework.boot.jackson.autoconfigure..", "org.springframework.boot.web.servlet..",
                    "org.springframework.boot.webmvc..", "java.lang", "java.lang.annotation", "java.lang.reflect", "java.io", "java.math",
                    "java.net", "java.nio.charset", "java.time.temporal", "java.util", "java.util.concurrent", "java.util.function",
                    "java.util.stream");

    @Test
    void anEdgeLoggingBesideSlf4jIsRefused() {
        assertThat(edge.evaluate(new ClassFileImporter().importClasses(EdgeLoggingAside.class)).getFailureReport().getDetails())
                .anySatisfy(line -> assertThat(line).contains("java.util.logging.Logger"));
    }
}
