package io.vfleet.engine;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * What each of the engine's packages may use, as whitelists: the JDK, the host's topology records and
 * the kernel objects the kernel's own code reaches from there. The kernel's objects refer to each other
 * where the kernel's do (a vfio device file to its iommufd context, kvm-vfio to the vfio group, a process's
 * pins to iommufd), but the user API (uapi) and the IOMMU group's ownership sit below all of them, and
 * only the snapshot sees everything. Nothing of the engine reaches outside the JDK.
 */
@AnalyzeClasses(packages = "io.vfleet.engine", importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {
    private static final String ENGINE = "io.vfleet.engine";
    private static final String TOPOLOGY = "io.vfleet.engine.topology..";

    @ArchTest
    static final ArchRule uapi = only("uapi", ENGINE);

    @ArchTest
    static final ArchRule iommu = only("iommu", ENGINE);

    @ArchTest
    static final ArchRule process = only("process", ENGINE, ENGINE + ".uapi", ENGINE + ".iommufd");

    @ArchTest
    static final ArchRule iommufd = only("iommufd", ENGINE, ENGINE + ".uapi", ENGINE + ".iommu", ENGINE + ".process", TOPOLOGY);

    @ArchTest
    static final ArchRule vfio = only("vfio", ENGINE, ENGINE + ".uapi", ENGINE + ".iommu", ENGINE + ".iommufd", ENGINE + ".process",
            ENGINE + ".kvm", TOPOLOGY);

    @ArchTest
    static final ArchRule kvm = only("kvm", ENGINE, ENGINE + ".uapi", ENGINE + ".process", ENGINE + ".vfio", TOPOLOGY);

    @ArchTest
    static final ArchRule host = classes().that().resideInAPackage(ENGINE).should().onlyDependOnClassesThat()
            .resideInAnyPackage(allowed(ENGINE, ENGINE + ".uapi", ENGINE + ".process", ENGINE + ".iommufd", ENGINE + ".vfio",
                    ENGINE + ".kvm", TOPOLOGY));

    @ArchTest
    static final ArchRule snapshot = only("snapshot", ENGINE + "..");

    @Test
    void aKernelObjectBelowTheUserApiThatReachesUpIsRefused() {
        JavaClasses violator = new ClassFileImporter().importClasses(io.vfleet.engine.uapi.UapiReachingUp.class);

        assertThat(uapi.evaluate(violator).hasViolation()).isTrue();
        assertThat(uapi.evaluate(violator).getFailureReport().getDetails())
                .anySatisfy(line -> assertThat(line).contains("io.vfleet.engine.vfio.VfioDevice"));
    }

    @Test
    void anEngineClassThatReachesALibraryIsRefused() {
        JavaClasses violator = new ClassFileImporter().importClasses(io.vfleet.engine.uapi.UapiReachingUp.class);

        assertThat(only("uapi", ENGINE + "..").evaluate(violator).getFailureReport().getDetails())
                .anySatisfy(line -> assertThat(line).contains("org.assertj"));
    }

    /** Classes of {@code io.vfleet.engine.<name>} use only the JDK, their own package and {@code allowed}. */
    private static ArchRule only(String name, String... allowed) {
        String own = ENGINE + "." + name + "..";
        return classes().that().resideInAPackage(own).should().onlyDependOnClassesThat()
                .resideInAnyPackage(allowed(Stream.concat(Stream.of(own), Stream.of(allowed)).toArray(String[]::new)));
    }

    private static String[] allowed(String... packages) {
        return Stream.concat(Stream.of("java..", ""), Stream.of(packages)).toArray(String[]::new);
    }
}
