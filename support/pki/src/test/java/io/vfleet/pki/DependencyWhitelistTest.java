package io.vfleet.pki;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;
import org.junit.jupiter.api.Test;

/**
 * What the certificate authority may use: the JDK's keys, certificates, files and time, and Bouncy Castle
 * to build and write what the JDK cannot (X.509 extensions, PEM). It issues offline, from files: no
 * network client, no framework, no logging of key material.
 */
@AnalyzeClasses(packages = "io.vfleet.pki", importOptions = ImportOption.DoNotIncludeTests.class)
class DependencyWhitelistTest {
    @ArchTest
    static final ArchRule authority = classes().that().resideInAPackage("io.vfleet.pki..").should().onlyDependOnClassesThat()
            .resideInAnyPackage("", "io.vfleet.pki..", "java.lang", "java.io", "java.math", "java.net", "java.nio.charset",
                    "java.nio.file..", "java.security..", "java.time..", "java.util", "java.util.function", "javax.security.auth.x500",
                    "org.bouncycastle..");

    @Test
    void anAuthorityDialingOutIsRefused() {
        assertThat(authority.evaluate(new ClassFileImporter().importClasses(AuthorityDialingOut.class)).getFailureReport().getDetails())
                .anySatisfy(line -> assertThat(line).contains("java.net.http.HttpClient"));
    }
}
