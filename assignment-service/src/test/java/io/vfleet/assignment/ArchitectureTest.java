package io.vfleet.assignment;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;
import io.vfleet.rest.ProblemResponses;
import org.springframework.web.bind.annotation.RestControllerAdvice;

/** The hexagon: domain knows nothing, application knows the domain, adapters translate and never meet. */
@AnalyzeClasses(packages = "io.vfleet.assignment", importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {

    @ArchTest
    static final ArchRule layers = layeredArchitecture().consideringOnlyDependenciesInLayers()
            .layer("Domain").definedBy("..assignment.domain..")
            .layer("Application").definedBy("..assignment.application..")
            .layer("Adapters").definedBy("..assignment.adapter..")
            .layer("Wiring").definedBy("io.vfleet.assignment")
            .whereLayer("Adapters").mayOnlyBeAccessedByLayers("Wiring")
            .whereLayer("Application").mayOnlyBeAccessedByLayers("Adapters", "Wiring")
            .whereLayer("Domain").mayOnlyBeAccessedByLayers("Application", "Adapters", "Wiring");

    /** Plain Java, and the transparency-log formats (themselves plain Java) the audit log is kept in. */
    @ArchTest
    static final ArchRule domainIsPlainJava = noClasses().that().resideInAPackage("..assignment.domain..")
            .should().dependOnClassesThat().resideOutsideOfPackages("java..", "..assignment.domain..", "io.vfleet.tlog..");

    /** Transactions, and SLF4J, whose MDC names the assignment on every line of its operations. */
    @ArchTest
    static final ArchRule applicationUsesNoFrameworkButTransactionsAndLogging = noClasses()
            .that().resideInAPackage("..assignment.application..")
            .should().dependOnClassesThat().resideOutsideOfPackages("java..", "..assignment.domain..",
                    "..assignment.application..", "org.springframework.transaction..", "org.slf4j..", "io.vfleet.tlog..",
                    // The shared, framework-free Caller and its refusals; not the module's web or gRPC parts.
                    "io.vfleet.security");

    /** One logging API, SLF4J: a line through java.util.logging would miss the MDC's assignment id and the service's format. */
    @ArchTest
    static final ArchRule everythingLogsThroughSlf4j = noClasses().should().dependOnClassesThat()
            .resideInAnyPackage("java.util.logging..", "org.apache.commons.logging..", "org.apache.logging.log4j..");

    @ArchTest
    static final ArchRule adaptersDoNotTalkToEachOther = noClasses().that().resideInAPackage("..adapter.web..")
            .should().dependOnClassesThat().resideInAnyPackage("..adapter.persistence..", "..adapter.agent..",
                    "..adapter.inventory..", "..adapter.grpc..");

    @ArchTest
    static final ArchRule grpcTalksToNoOtherAdapter = noClasses().that().resideInAPackage("..adapter.grpc..")
            .should().dependOnClassesThat().resideInAnyPackage("..adapter.persistence..", "..adapter.agent..",
                    "..adapter.inventory..", "..adapter.web..");

    @ArchTest
    static final ArchRule oneCheckOfTheInputForEveryEdge = noClasses()
            .that().resideInAnyPackage("..adapter.web..", "..adapter.grpc..")
            .should().dependOnClassesThat().resideInAPackage("jakarta.validation..")
            .because("what a field must be is checked once, by the application's RequestFields, for REST and gRPC alike");

    @ArchTest
    static final ArchRule problemsComeFromTheSharedRestEdge = classes().that().areAnnotatedWith(RestControllerAdvice.class)
            .should().beAssignableTo(ProblemResponses.class)
            .because("the problem types, strict JSON and the framework's refusals are rest-edge's, the same for every service");
}
