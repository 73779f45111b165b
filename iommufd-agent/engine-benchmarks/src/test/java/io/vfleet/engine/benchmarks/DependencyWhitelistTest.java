package io.vfleet.engine.benchmarks;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;
import org.junit.jupiter.api.Test;

/**
 * What the engine's benchmarks may use: the engine (its host, system calls and the iommufd objects whose
 * footprint they weigh), the topologies they boot from YAML, JMH, and of the JDK the collections,
 * concurrency, the memory beans a footprint is read from and the stream it is printed on. JMH does the timing: no benchmark keeps
 * its own clock.
 */
@AnalyzeClasses(packages = "io.vfleet.engine.benchmarks", importOptions = ImportOption.DoNotIncludeTests.class)
class DependencyWhitelistTest {
    private static final String OWN = "io.vfleet.engine.benchmarks";

    /** Of the benchmarks' own classes: the harness JMH generates beside them (jmh_generated) is JMH's. */
    @ArchTest
    static final ArchRule benchmarks = classes().that().resideInAPackage(OWN).should().onlyDependOnClassesThat()
            .resideInAnyPackage("", OWN, "io.vfleet.engine", "io.vfleet.engine.iommufd", "io.vfleet.engine.process",
                    "io.vfleet.engine.uapi", "io.vfleet.engine.topology", "io.vfleet.engine.topology.yaml", "org.openjdk.jmh..", "java.lang",
                    "java.lang.management", "java.io", "java.util", "java.util.concurrent..", "java.util.function");

    @Test
    void aBenchmarkKeepingItsOwnClockIsRefused() {
        assertThat(benchmarks.evaluate(new ClassFileImporter().importClasses(BenchmarkTimingItself.class)).getFailureReport()
                .getDetails())
                .anySatisfy(line -> assertThat(line).contains("java.time.Instant"));
    }
}
