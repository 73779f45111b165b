package io.vfleet.agent;

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
import io.vfleet.agent.kernel.KernelReachingUp;
import io.vfleet.agent.vmm.VmmReachingOut;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The agent's layers, as whitelists of what each package may use. At the bottom the host's kernel
 * (kernel: the engine's model or the Linux backend) and its topology; above them the VMM's assignments
 * (vmm); above both the journal (state), which keeps the engine's host and the assignment table across
 * restarts, its records in the same protobuf messages the system calls travel in (messages translates
 * them to and from the engine's). At the edge the gRPC services (grpc), which alone serve
 * {@code vfleet.agent.v1} and send an answer once the journal holds what it answers for, and the
 * registration with the inventory (inventory), which alone speaks {@code vfleet.inventory.v1}. Nothing
 * below the edge knows gRPC or Spring; the wiring ({@code io.vfleet.agent}) may use everything.
 */
@AnalyzeClasses(packages = "io.vfleet.agent", importOptions = ImportOption.DoNotIncludeTests.class)
class DependencyWhitelistTest {
    private static final String AGENT = "io.vfleet.agent";
    private static final String ENGINE = "io.vfleet.engine..";
    private static final String AGENT_API = "io.vfleet.api.agent.v1..";
    private static final String PROTOBUF = "com.google.protobuf..";
    private static final String LOGGING = "org.slf4j..";

    /** The hooks tests hold a process at; they know nothing else. */
    @ArchTest
    static final ArchRule failpoint = only("failpoint", LOGGING);

    @ArchTest
    static final ArchRule topology = only("topology", ENGINE, LOGGING);

    @ArchTest
    static final ArchRule kernel = only("kernel", AGENT + ".topology..", ENGINE, "io.vfleet.linux..", LOGGING);

    @ArchTest
    static final ArchRule vmm = only("vmm", AGENT + ".kernel..", ENGINE, LOGGING);

    /** The system calls' messages and the engine's records, each way; the answer to a topology call from the kernel. */
    @ArchTest
    static final ArchRule messages = only("messages", AGENT + ".kernel..", ENGINE, AGENT_API, PROTOBUF);

    @ArchTest
    static final ArchRule state = only("state", AGENT + ".kernel..", AGENT + ".vmm..", AGENT + ".messages..",
            AGENT + ".failpoint..", ENGINE, AGENT_API, PROTOBUF, LOGGING);

    @ArchTest
    static final ArchRule grpc = only("grpc", AGENT + ".kernel..", AGENT + ".vmm..", AGENT + ".messages..", AGENT + ".state..",
            AGENT + ".failpoint..", ENGINE, AGENT_API, "io.vfleet.security..", "io.grpc..", PROTOBUF, "com.google.rpc..",
            "io.micrometer..", LOGGING);

    @ArchTest
    static final ArchRule inventory = only("inventory", AGENT + ".kernel..", ENGINE, "io.vfleet.api.inventory.v1..",
            "io.vfleet.retry..", "io.grpc..", PROTOBUF, LOGGING);

    /** One logging API, SLF4J: a line through java.util.logging would miss the MDC and the process's log format. */
    @ArchTest
    static final ArchRule everythingLogsThroughSlf4j = noClasses().should().dependOnClassesThat()
            .resideInAnyPackage("java.util.logging..", "org.apache.commons.logging..", "org.apache.logging.log4j..");

    /** No two packages below the wiring need each other. */
    @ArchTest
    static final ArchRule noCycles = slices().matching(AGENT + ".(*)..").should().beFreeOfCycles();

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
