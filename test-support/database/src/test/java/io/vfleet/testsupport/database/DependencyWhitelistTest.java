package io.vfleet.testsupport.database;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;
import org.junit.jupiter.api.Test;

/**
 * What the tests' database may use: embedded PostgreSQL, or Testcontainers where a Docker engine answers,
 * and the JDK's language and I/O. It hands out a running server's address; connecting, pooling and schema
 * are the service's under test, so no JDBC here.
 */
@AnalyzeClasses(packages = "io.vfleet.testsupport.database", importOptions = ImportOption.DoNotIncludeTests.class)
class DependencyWhitelistTest {
    @ArchTest
    static final ArchRule database = classes().that().resideInAPackage("io.vfleet.testsupport.database..").should()
            .onlyDependOnClassesThat().resideInAnyPackage("", "io.vfleet.testsupport.database..", "io.zonky.test.db.postgres..",
                    "org.testcontainers..", "java.lang", "java.io", "java.util");

    @Test
    void aDatabaseThatConnectsItselfIsRefused() {
        assertThat(database.evaluate(new ClassFileImporter().importClasses(DatabaseConnecting.class)).getFailureReport().getDetails())
                .anySatisfy(line -> assertThat(line).contains("java.sql.DriverManager"));
    }
}
