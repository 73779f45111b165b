package io.vfleet.linux;

import static com.tngtech.archunit.base.DescribedPredicate.not;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.belongToAnyOf;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;
import io.vfleet.linux.uapi.Struct;
import io.vfleet.linux.uapi.UapiReachingUp;
import org.junit.jupiter.api.Test;

/**
 * What the Linux backend may use: the JDK alone, besides the engine whose {@code Kernel} it implements.
 * The uapi headers (uapi) describe structs and request numbers in native layouts and know nothing above
 * them; the backend (io.vfleet.linux) makes the calls. Native memory and downcalls
 * ({@code java.lang.foreign}) stay with the classes that make a system call: the C library's wrappers,
 * the memory of one ioctl, the ioctls themselves and the credentials a call is made with. The kernel and
 * its processes keep descriptors and state, and touch no native memory.
 */
@AnalyzeClasses(packages = "io.vfleet.linux", importOptions = ImportOption.DoNotIncludeTests.class)
class DependencyWhitelistTest {
    private static final String LINUX = "io.vfleet.linux";
    private static final String UAPI = "io.vfleet.linux.uapi..";
    private static final String FOREIGN = "java.lang.foreign..";

    @ArchTest
    static final ArchRule uapi = classes().that().resideInAPackage(UAPI).should().onlyDependOnClassesThat()
            .resideInAnyPackage("", UAPI, "java.lang", FOREIGN, "java.util");

    @ArchTest
    static final ArchRule backend = classes().that().resideInAPackage(LINUX).should().onlyDependOnClassesThat()
            .resideInAnyPackage("", LINUX, UAPI, "io.vfleet.engine", "io.vfleet.engine.process", "io.vfleet.engine.uapi", "java.io",
                    "java.lang", FOREIGN, "java.lang.invoke", "java.nio.file", "java.util", "java.util.concurrent.locks",
                    "java.util.function", "java.util.stream");

    @ArchTest
    static final ArchRule nativeMemoryWhereTheCallsAre = noClasses()
            .that(not(resideInAPackage(UAPI)).and(not(belongToAnyOf(LibC.class, CallMemory.class, LinuxIoctls.class, Credentials.class))))
            .should().dependOnClassesThat().resideInAPackage(FOREIGN);

    @ArchTest
    static final ArchRule noCycles = slices().matching("io.vfleet.(**)").should().beFreeOfCycles();

    @Test
    void theKernelHoldingNativeMemoryIsRefused() {
        JavaClasses violator = new ClassFileImporter().importClasses(KernelHoldingMemory.class);

        assertThat(nativeMemoryWhereTheCallsAre.evaluate(violator).getFailureReport().getDetails())
                .anySatisfy(line -> assertThat(line).contains("java.lang.foreign.Arena"));
    }

    @Test
    void theUapiReachingUpIsRefused() {
        JavaClasses violators = new ClassFileImporter().importClasses(UapiReachingUp.class, LinuxKernel.class, KernelHoldingMemory.class,
                Struct.class);

        assertThat(uapi.evaluate(violators).getFailureReport().getDetails())
                .anySatisfy(line -> assertThat(line).contains("io.vfleet.linux.LinuxKernel"));
        assertThat(noCycles.evaluate(violators).getFailureReport().getDetails())
                .anySatisfy(cycle -> assertThat(cycle).contains("Cycle detected: Slice linux")
                        .contains("<io.vfleet.linux.uapi.UapiReachingUp.names()> references class object <io.vfleet.linux.LinuxKernel>"));
    }
}
