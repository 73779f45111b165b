package io.vfleet.retry;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;
import org.junit.jupiter.api.Test;

/**
 * What the backoff may use: the JDK's durations and random generators, nothing else. It computes how long
 * to wait; the caller sleeps, schedules or gives up, so it holds no thread, executor or clock of its own,
 * and every service and the agent can use it without taking on a library.
 */
@AnalyzeClasses(packages = "io.vfleet.retry", importOptions = ImportOption.DoNotIncludeTests.class)
class DependencyWhitelistTest {
    @ArchTest
    static final ArchRule backoff = classes().that().resideInAPackage("io.vfleet.retry..").should().onlyDependOnClassesThat()
            .resideInAnyPackage("", "io.vfleet.retry..", "java.lang", "java.time", "java.util.random");

    @Test
    void aBackoffSchedulingItsOwnRetriesIsRefused() {
        assertThat(backoff.evaluate(new ClassFileImporter().importClasses(BackoffScheduling.class)).getFailureReport().getDetails())
                .anySatisfy(line -> assertThat(line).contains("java.util.concurrent.ScheduledExecutorService"));
    }
}
