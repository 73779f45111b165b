package io.vfleet.testsupport.pki;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;
import org.junit.jupiter.api.Test;

/**
 * What the tests' certificates may use: the project's authority (io.vfleet.pki) and the JDK's files, keys
 * and time. Tests get their certificates the way the running system does, never by building one with
 * Bouncy Castle on the side.
 */
@AnalyzeClasses(packages = "io.vfleet.testsupport.pki", importOptions = ImportOption.DoNotIncludeTests.class)
class DependencyWhitelistTest {
    @ArchTest
    static final ArchRule testPki = classes().that().resideInAPackage("io.vfleet.testsupport.pki..").should()
            .onlyDependOnClassesThat().resideInAnyPackage("", "io.vfleet.testsupport.pki..", "io.vfleet.pki..", "java.lang",
                    "java.nio.file", "java.security..", "java.time");

    @Test
    void certificatesBuiltBesideTheAuthorityAreRefused() {
        assertThat(testPki.evaluate(new ClassFileImporter().importClasses(CertificatesBesideTheAuthority.class))
                .getFailureReport().getDetails())
                .anySatisfy(line -> assertThat(line).contains("org.bouncycastle.cert.X509v3CertificateBuilder"));
    }
}
