package io.vfleet.engine.topology;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;
import io.vfleet.engine.ConfigReachingDown;
import org.junit.jupiter.api.Test;

/**
 * What the host's description may use: the JDK alone, since the engine (which depends on the JDK
 * alone) and every reader of a topology build on it. The kernel's configuration ({@code io.vfleet.engine}:
 * profile, config, IOVA ranges) sits below the topology, which names it; never the other way round.
 */
@AnalyzeClasses(packages = {"io.vfleet.engine", "io.vfleet.engine.topology"}, importOptions = ImportOption.DoNotIncludeTests.class)
class DependencyWhitelistTest {

    @ArchTest
    static final ArchRule kernelConfiguration = classes().that().resideInAPackage("io.vfleet.engine")
            .should().onlyDependOnClassesThat().resideInAnyPackage("java..", "", "io.vfleet.engine");

    @ArchTest
    static final ArchRule topology = classes().that().resideInAPackage("io.vfleet.engine.topology..")
            .should().onlyDependOnClassesThat().resideInAnyPackage("java..", "", "io.vfleet.engine", "io.vfleet.engine.topology..");

    @Test
    void theKernelConfigurationNamingATopologyRecordIsRefused() {
        JavaClasses violator = new ClassFileImporter().importClasses(ConfigReachingDown.class);

        assertThat(kernelConfiguration.evaluate(violator).getFailureReport().getDetails())
                .anySatisfy(line -> assertThat(line).contains(Bdf.class.getName()));
    }

    @Test
    void aTopologyRecordUsingALibraryIsRefused() {
        JavaClasses violator = new ClassFileImporter().importClasses(TopologyReachingOut.class);

        assertThat(topology.evaluate(violator).getFailureReport().getDetails())
                .anySatisfy(line -> assertThat(line).contains("org.assertj"));
    }
}
