package io.vfleet.engine.demo;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;
import org.junit.jupiter.api.Test;

/**
 * What the engine demo may use: a host booted from a YAML topology, its processes, the system calls a
 * VMM makes (uapi), and the vfio devices and IOMMU groups it names and shows the viability of, and the JDK's printing and paths. It shows
 * the engine the way a VMM sees a kernel, so never the iommufd objects behind a file descriptor.
 */
@AnalyzeClasses(packages = "io.vfleet.engine.demo", importOptions = ImportOption.DoNotIncludeTests.class)
class DependencyWhitelistTest {
    private static final String OWN = "io.vfleet.engine.demo..";

    @ArchTest
    static final ArchRule demo = classes().that().resideInAPackage(OWN).should().onlyDependOnClassesThat()
            .resideInAnyPackage("", OWN, "io.vfleet.engine", "io.vfleet.engine.process", "io.vfleet.engine.uapi", "io.vfleet.engine.vfio",
                    "io.vfleet.engine.iommu", "io.vfleet.engine.topology", "io.vfleet.engine.topology.yaml", "java.lang", "java.io",
                    "java.nio.file", "java.util", "java.util.function", "java.util.stream");

    @Test
    void aDemoReachingBehindTheDescriptorsIsRefused() {
        assertThat(demo.evaluate(new ClassFileImporter().importClasses(DemoReachingBehindDescriptors.class)).getFailureReport()
                .getDetails())
                .anySatisfy(line -> assertThat(line).contains("io.vfleet.engine.iommufd.Ioas"));
    }
}
