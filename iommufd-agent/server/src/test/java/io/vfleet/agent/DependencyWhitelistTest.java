package io.vfleet.agent;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;
import io.vfleet.agent.kernel.KernelReachingUp;
import io.vfleet.agent.vmm.VmmReachingOut;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The agent's layers, as whitelists of what each package may use. At the bottom the host's kernel
 * (kernel: the engine's model or the Linux backend), its snapshot (state) and its topology; above them
 * the VMM's assignments (vmm); at the edge the gRPC services (grpc), which alone speak
 * {@code vfleet.agent.v1}, and the registration with the inventory (inventory), which alone speaks
 * {@code vfleet.inventory.v1}. Nothing below the edge knows gRPC, protobuf or Spring; the wiring
 * ({@code io.vfleet.agent}) may use everything.
 */
@AnalyzeClasses(packages = "io.vfleet.agent", importOptions = ImportOption.DoNotIncludeTests.class)
class DependencyWhitelistTest {
    private static final String AGENT = "io.vfleet.agent";
    private static final String ENGINE = "io.vfleet.engine..";
    private static final String LOGGING = "org.slf4j..";

    @ArchTest
    static final ArchRule state = only("state", ENGINE, LOGGING);

    @ArchTest
    static final ArchRule topology = only("topology", ENGINE, LOGGING);

    @ArchTest
    static final ArchRule kernel = only("kernel", AGENT + ".state..", AGENT + ".topology..", ENGINE, "io.vfleet.linux..", LOGGING);

    /** The assignment table is kept as JSON (Jackson), beside the engine's snapshot. */
    @ArchTest
    static final ArchRule vmm = only("vmm", AGENT + ".kernel..", AGENT + ".state..", ENGINE, "tools.jackson..", LOGGING);

    @ArchTest
    static final ArchRule grpc = only("grpc", AGENT + ".kernel..", AGENT + ".vmm..", ENGINE, "io.vfleet.api.agent.v1..",
            "io.vfleet.security..", "io.grpc..", "com.google.protobuf..", "com.google.rpc..", "io.micrometer..", LOGGING);

    @ArchTest
    static final ArchRule inventory = only("inventory", AGENT + ".kernel..", ENGINE, "io.vfleet.api.inventory.v1..",
            "io.vfleet.retry..", "io.grpc..", "com.google.protobuf..", LOGGING);

    @Test
    void theVmmSpeakingGrpcIsRefused() {
        JavaClasses violator = new ClassFileImporter().importClasses(VmmReachingOut.class);

        assertThat(vmm.evaluate(violator).getFailureReport().getDetails())
                .anySatisfy(line -> assertThat(line).contains("io.grpc.Status"))
                .anySatisfy(line -> assertThat(line).contains("io.vfleet.agent.grpc.KernelStatus"));
    }

    @Test
    void theKernelReachingUpToTheVmmIsRefused() {
        JavaClasses violator = new ClassFileImporter().importClasses(KernelReachingUp.class);

        assertThat(kernel.evaluate(violator).getFailureReport().getDetails())
                .anySatisfy(line -> assertThat(line).contains("io.vfleet.agent.vmm.AssignmentTable"));
    }

    /** Classes of {@code io.vfleet.agent.<name>} use only the JDK, their own package and {@code allowed}. */
    private static ArchRule only(String name, String... allowed) {
        String own = AGENT + "." + name + "..";
        return classes().that().resideInAPackage(own).should().onlyDependOnClassesThat()
                .resideInAnyPackage(Stream.concat(Stream.of("java..", "", own), Stream.of(allowed)).toArray(String[]::new));
    }
}
