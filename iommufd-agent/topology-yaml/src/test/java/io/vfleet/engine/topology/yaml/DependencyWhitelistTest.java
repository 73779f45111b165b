package io.vfleet.engine.topology.yaml;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;
import org.junit.jupiter.api.Test;

/**
 * What the YAML topology reader may use: the topology description and kernel profile it fills in
 * (io.vfleet.engine and its topology, of the topology module), the JDK's files and text, and of SnakeYAML
 * Engine the loading API and its node tree alone. Every value is read from a node and checked by name;
 * no document constructs objects of its choosing (no constructor), and the reader writes no YAML (no
 * representer, no emitter).
 */
@AnalyzeClasses(packages = "io.vfleet.engine.topology.yaml", importOptions = ImportOption.DoNotIncludeTests.class)
class DependencyWhitelistTest {
    private static final String OWN = "io.vfleet.engine.topology.yaml..";

    @ArchTest
    static final ArchRule reader = classes().that().resideInAPackage(OWN).should().onlyDependOnClassesThat()
            .resideInAnyPackage("", OWN, "io.vfleet.engine", "io.vfleet.engine.topology", "org.snakeyaml.engine.v2.api..",
                    "org.snakeyaml.engine.v2.exceptions", "org.snakeyaml.engine.v2.nodes", "org.snakeyaml.engine.v2.schema", "java.lang",
                    "java.io", "java.nio.charset", "java.nio.file", "java.util", "java.util.function", "java.util.regex");

    @Test
    void aReaderConstructingObjectsFromTheDocumentIsRefused() {
        assertThat(reader.evaluate(new ClassFileImporter().importClasses(ReaderConstructingObjects.class)).getFailureReport()
                .getDetails())
                .anySatisfy(line -> assertThat(line).contains("org.snakeyaml.engine.v2.constructor.StandardConstructor"));
    }
}
