package io.vfleet.testsupport.committed;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;
import org.junit.jupiter.api.Test;

/**
 * What the committed-file check may use: the JDK's files and text alone. It compares and says what
 * differs; any test framework of the module that depends on it reports the failure, so it binds to none.
 */
@AnalyzeClasses(packages = "io.vfleet.testsupport.committed", importOptions = ImportOption.DoNotIncludeTests.class)
class DependencyWhitelistTest {
    @ArchTest
    static final ArchRule committedFiles = classes().that().resideInAPackage("io.vfleet.testsupport.committed..").should()
            .onlyDependOnClassesThat().resideInAnyPackage("", "io.vfleet.testsupport.committed..", "java.lang", "java.io",
                    "java.nio.charset", "java.nio.file..", "java.util", "java.util.stream");

    @Test
    void aCheckBoundToJUnitIsRefused() {
        assertThat(committedFiles.evaluate(new ClassFileImporter().importClasses(CheckAssertingThroughJUnit.class))
                .getFailureReport().getDetails())
                .anySatisfy(line -> assertThat(line).contains("org.junit.jupiter.api.Assertions"));
    }
}
