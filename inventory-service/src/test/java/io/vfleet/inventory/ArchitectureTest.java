package io.vfleet.inventory;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import io.vfleet.rest.ProblemResponses;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;
import jakarta.persistence.Entity;

/** The layering of the service, stated so that it cannot rot: adapters → application → domain. */
@AnalyzeClasses(packages = "io.vfleet.inventory", importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {

    @ArchTest
    static final ArchRule layers = layeredArchitecture().consideringOnlyDependenciesInLayers()
            .layer("domain").definedBy("io.vfleet.inventory.domain..")
            .layer("application").definedBy("io.vfleet.inventory.application..")
            .layer("adapters").definedBy("io.vfleet.inventory.adapter..")
            .layer("composition").definedBy("io.vfleet.inventory")
            .whereLayer("composition").mayNotBeAccessedByAnyLayer()
            .whereLayer("adapters").mayOnlyBeAccessedByLayers("composition")
            .whereLayer("application").mayOnlyBeAccessedByLayers("adapters", "composition")
            .whereLayer("domain").mayOnlyBeAccessedByLayers("application", "adapters", "composition");

    @ArchTest
    static final ArchRule domainIsPlainJava = classes().that().resideInAPackage("io.vfleet.inventory.domain..")
            .should().onlyDependOnClassesThat().resideInAnyPackage("io.vfleet.inventory.domain..", "java..");

    @ArchTest
    static final ArchRule applicationKnowsNoWebNoPersistenceNoGrpc = noClasses()
            .that().resideInAPackage("io.vfleet.inventory.application..")
            .should().dependOnClassesThat().resideInAnyPackage("jakarta.persistence..", "org.springframework.web..",
                    "io.grpc..", "org.hibernate..", "jakarta.servlet..", "org.springframework.boot..");

    @ArchTest
    static final ArchRule adaptersDoNotReachIntoEachOther = noClasses()
            .that().resideInAnyPackage("io.vfleet.inventory.adapter.web..", "io.vfleet.inventory.adapter.grpc..",
                    "io.vfleet.inventory.adapter.scheduling..")
            .should().dependOnClassesThat().resideInAPackage("io.vfleet.inventory.adapter.persistence..");

    @ArchTest
    static final ArchRule entitiesStayInThePersistenceAdapter = classes().that().areAnnotatedWith(Entity.class)
            .should().resideInAPackage("io.vfleet.inventory.adapter.persistence..")
            .andShould().notBePublic();

    @ArchTest
    static final ArchRule noHelpersOrImplementations = noClasses().should().haveSimpleNameEndingWith("Impl")
            .orShould().haveSimpleNameEndingWith("Helper").orShould().haveSimpleNameEndingWith("Util")
            .orShould().haveSimpleNameEndingWith("Manager");

    /** One logging API, SLF4J: a line through java.util.logging would miss the MDC and the process's log format. */
    @ArchTest
    static final ArchRule everythingLogsThroughSlf4j = noClasses().should().dependOnClassesThat()
            .resideInAnyPackage("java.util.logging..", "org.apache.commons.logging..", "org.apache.logging.log4j..");

    @ArchTest
    static final ArchRule problemsComeFromTheSharedRestEdge = classes().that().areAnnotatedWith(RestControllerAdvice.class)
            .should().beAssignableTo(ProblemResponses.class)
            .because("the problem types, strict JSON and the framework's refusals are rest-edge's, the same for every service");
}
