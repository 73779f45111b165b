package io.vfleet.stack;

import static com.tngtech.archunit.base.DescribedPredicate.not;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.belongToAnyOf;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;
import org.junit.jupiter.api.Test;

/**
 * What the launcher ({@code ./vfleet}) may use. It starts the services as processes and speaks to them
 * only as any client would (HTTP, JDBC, gRPC health), so of the project it knows the topology files it
 * checks and the authority it issues the stack's certificates with, and no service's code. Each library
 * stays with the class it is for: picocli with the commands, the PostgreSQL binaries' archive formats
 * with their unpacking, native calls with the one signal the JDK cannot send.
 */
@AnalyzeClasses(packages = "io.vfleet.stack", importOptions = ImportOption.DoNotIncludeTests.class)
class DependencyWhitelistTest {
    private static final String OWN = "io.vfleet.stack..";

    @ArchTest
    static final ArchRule launcher = classes().that().resideInAPackage(OWN).should().onlyDependOnClassesThat()
            .resideInAnyPackage("", OWN, "io.vfleet.engine.topology", "io.vfleet.engine.topology.yaml", "io.vfleet.pki", "picocli",
                    "io.zonky.test.db.postgres.embedded", "org.apache.commons.compress.archivers.tar", "org.tukaani.xz", "org.postgresql",
                    "tools.jackson.core..", "tools.jackson.databind..", "com.fasterxml.jackson.annotation", "io.grpc", "io.grpc.health.v1",
                    "io.grpc.netty", "io.grpc.stub", "java.lang", "java.lang.foreign", "java.lang.invoke", "java.io", "java.net",
                    "java.net.http", "java.nio", "java.nio.channels", "java.nio.charset", "java.nio.file", "java.nio.file.attribute",
                    "java.security", "java.security.cert", "java.sql", "java.time", "java.time.format", "java.time.temporal", "java.util",
                    "java.util.concurrent..", "java.util.function", "java.util.regex", "java.util.stream", "java.util.zip");

    @ArchTest
    static final ArchRule commandLineInTheCommands = noClasses()
            .that(not(belongToAnyOf(VfleetStack.class, UpCommand.class, DownCommand.class, StatusCommand.class, Durations.class)))
            .should().dependOnClassesThat().resideInAPackage("picocli..");

    @ArchTest
    static final ArchRule binariesUnpackedInOnePlace = noClasses().that(not(belongToAnyOf(PostgresBinaries.class)))
            .should().dependOnClassesThat().resideInAnyPackage("io.zonky..", "org.apache.commons.compress..", "org.tukaani..");

    @ArchTest
    static final ArchRule nativeCallsForTheSignalAlone = noClasses().that(not(belongToAnyOf(Signal.class)))
            .should().dependOnClassesThat().resideInAPackage("java.lang.foreign..");

    @Test
    void aSupervisorReachingForNativeCallsAndTheCommandLineIsRefused() {
        JavaClasses violator = new ClassFileImporter().importClasses(SupervisorSignallingAside.class);

        assertThat(nativeCallsForTheSignalAlone.evaluate(violator).getFailureReport().getDetails())
                .anySatisfy(line -> assertThat(line).contains("java.lang.foreign.Linker"));
        assertThat(commandLineInTheCommands.evaluate(violator).getFailureReport().getDetails())
                .anySatisfy(line -> assertThat(line).contains("picocli.CommandLine"));
    }
}
