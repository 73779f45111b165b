package io.vfleet.healthcheck;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;
import org.junit.jupiter.api.Test;

/**
 * What the image's health probe may use: java.base's language, streams, URL connection and durations,
 * nothing else. It starts in a fresh JVM at every probe, from the base image's classes, with no class
 * path of libraries; a blocking GET is all it needs (the HTTP client module would bring its own
 * threads and selector for one request).
 */
@AnalyzeClasses(packages = "io.vfleet.healthcheck", importOptions = ImportOption.DoNotIncludeTests.class)
class DependencyWhitelistTest {
    private static final String OWN = "io.vfleet.healthcheck..";

    @ArchTest
    static final ArchRule probe = classes().that().resideInAPackage(OWN).should().onlyDependOnClassesThat()
            .resideInAnyPackage("", OWN, "java.lang", "java.io", "java.net", "java.time");

    @Test
    void aProbeOnTheHttpClientModuleIsRefused() {
        assertThat(probe.evaluate(new ClassFileImporter().importClasses(ProbeOnTheHttpClient.class)).getFailureReport().getDetails())
                .anySatisfy(line -> assertThat(line).contains("java.net.http.HttpClient"));
    }
}
