package io.vfleet.testsupport.access;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;
import org.junit.jupiter.api.Test;

/**
 * What the authorization matrix may use: the access tables of service-security (io.vfleet.security), the
 * operations' descriptions (the OpenAPI document read with Jackson, the gRPC descriptor set with
 * protobuf), Spring's HTTP methods and path patterns to match one against the other, gRPC to call a
 * method, and the JDK. It decides nothing itself and reads no security configuration: an outcome comes
 * from the tables, never from Spring Security's filter chain.
 */
@AnalyzeClasses(packages = "io.vfleet.testsupport.access", importOptions = ImportOption.DoNotIncludeTests.class)
class DependencyWhitelistTest {
    private static final String OWN = "io.vfleet.testsupport.access..";

    @ArchTest
    static final ArchRule matrix = classes().that().resideInAPackage(OWN).should().onlyDependOnClassesThat()
            .resideInAnyPackage("", OWN, "io.vfleet.security", "io.vfleet.security.grpc", "io.vfleet.security.web", "com.google.protobuf",
                    "io.grpc", "org.springframework.http", "org.springframework.http.server", "org.springframework.web.util.pattern",
                    "tools.jackson.databind..", "java.lang", "java.io", "java.nio.file", "java.util", "java.util.concurrent",
                    "java.util.function", "java.util.regex");

    @Test
    void aMatrixReadingTheFilterChainIsRefused() {
        assertThat(matrix.evaluate(new ClassFileImporter().importClasses(MatrixReadingTheFilterChain.class)).getFailureReport()
                .getDetails())
                .anySatisfy(line -> assertThat(line).contains("org.springframework.security.web.SecurityFilterChain"));
    }
}
