package io.vfleet.tlog;

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
 * What the transparency log may use: the JDK alone (its hashes and Ed25519 signatures, text, files and
 * HTTP client), so that anyone can build the witness from this module and check a log without trusting
 * a library of ours. The formats (the Merkle tree, its proofs, checkpoints and signed notes) are pure:
 * they touch no file and no network. Files are the witness's state (through {@link AtomicFile}); the
 * network is the command line's, which fetches the log's checkpoint and proofs.
 */
@AnalyzeClasses(packages = "io.vfleet.tlog", importOptions = ImportOption.DoNotIncludeTests.class)
class DependencyWhitelistTest {
    private static final String OWN = "io.vfleet.tlog..";

    @ArchTest
    static final ArchRule jdkOnly = classes().that().resideInAPackage(OWN).should().onlyDependOnClassesThat()
            .resideInAnyPackage("", OWN, "java.lang", "java.io", "java.net", "java.net.http", "java.nio", "java.nio.channels",
                    "java.nio.charset", "java.nio.file..", "java.security..", "java.time", "java.util", "java.util.function",
                    "java.util.regex", "java.util.stream");

    @ArchTest
    static final ArchRule formatsArePure = noClasses().that(not(belongToAnyOf(AtomicFile.class, Witness.class, WitnessCommand.class)))
            .should().dependOnClassesThat().resideInAnyPackage("java.io", "java.net..", "java.nio.channels", "java.nio.file..");

    @ArchTest
    static final ArchRule onlyTheCommandLineDialsTheLog = noClasses().that(not(belongToAnyOf(WitnessCommand.class)))
            .should().dependOnClassesThat().resideInAnyPackage("java.net..");

    @Test
    void aTreeFetchingItsOwnProofsIsRefused() {
        JavaClasses violator = new ClassFileImporter().importClasses(TreeFetchingProofs.class);

        assertThat(formatsArePure.evaluate(violator).getFailureReport().getDetails())
                .anySatisfy(line -> assertThat(line).contains("java.net.http.HttpClient"));
        assertThat(onlyTheCommandLineDialsTheLog.evaluate(violator).getFailureReport().getDetails())
                .anySatisfy(line -> assertThat(line).contains("java.net.http.HttpClient"));
    }
}
