package io.vfleet.security;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The layers of service security, as whitelists. At the core (io.vfleet.security) who a caller is, its
 * roles and how a credential proves them (JWT bearer tokens, static tokens, client certificates), in the
 * JDK's and Spring Security's OAuth2 terms, knowing no transport. Each edge adapts the core to one
 * transport and knows no other: the REST edge (web) to Spring Security's filter chain, the gRPC edge
 * (grpc) to a server interceptor, the fleet's mutual TLS (tls) to Spring Boot's SSL bundles, Netty and
 * gRPC channels.
 */
@AnalyzeClasses(packages = "io.vfleet.security", importOptions = ImportOption.DoNotIncludeTests.class)
class DependencyWhitelistTest {
    private static final String SECURITY = "io.vfleet.security";
    private static final String AUTOCONFIGURE = "org.springframework.boot.autoconfigure..";
    private static final String CONFIGURATION = "org.springframework.context.annotation..";

    @ArchTest
    static final ArchRule core = classes().that().resideInAPackage(SECURITY).should().onlyDependOnClassesThat()
            .resideInAnyPackage("", SECURITY, "org.springframework.security.oauth2.core..", "org.springframework.security.oauth2.jwt..",
                    AUTOCONFIGURE, "org.springframework.boot.context.properties..", CONFIGURATION, "org.springframework.core.env..",
                    "java.lang", "java.net", "java.nio.charset", "java.security", "java.security.cert", "java.util", "java.util.function",
                    "java.util.regex", "java.util.stream");

    @ArchTest
    static final ArchRule grpc = only("grpc", "io.grpc..", "com.google.protobuf..", "com.google.rpc..", "org.springframework.grpc.server..",
            AUTOCONFIGURE, CONFIGURATION, "org.springframework.core..", "javax.net.ssl", "java.lang", "java.security.cert", "java.util",
            "java.util.function", "java.util.stream");

    @ArchTest
    static final ArchRule tls = only("tls", "io.grpc..", "io.netty.handler.ssl..", "org.slf4j", "org.springframework.beans.factory..",
            "org.springframework.boot", AUTOCONFIGURE, "org.springframework.boot.context.properties..", "org.springframework.boot.ssl..",
            CONFIGURATION, "org.springframework.core.env..", "org.springframework.core.type..", "javax.net.ssl",
            "javax.security.auth.x500", "java.lang", "java.io", "java.math", "java.net", "java.nio.charset", "java.nio.file",
            "java.security", "java.security.cert", "java.time", "java.util", "java.util.concurrent", "java.util.function");

    @ArchTest
    static final ArchRule web = only("web", "jakarta.servlet.http..", "org.springframework.security..", "org.springframework.web..",
            "org.springframework.http..", "org.springframework.core", AUTOCONFIGURE, CONFIGURATION, "tools.jackson.databind.json",
            "java.lang", "java.io", "java.nio.charset", "java.util", "java.util.function", "java.util.stream");

    /** No edge needs another. */
    @ArchTest
    static final ArchRule noCycles = slices().matching(SECURITY + ".(*)..").should().beFreeOfCycles();

    @Test
    void aCoreThatKnowsTheServletIsRefused() {
        JavaClasses violator = new ClassFileImporter().importClasses(CallerFromTheServlet.class);

        assertThat(core.evaluate(violator).getFailureReport().getDetails())
                .anySatisfy(line -> assertThat(line).contains("jakarta.servlet.http.HttpServletRequest"))
                .anySatisfy(line -> assertThat(line).contains("io.vfleet.security.web.RestAccess"));
    }

    /** Classes of {@code io.vfleet.security.<name>} use only the core, their own package and {@code allowed}. */
    private static ArchRule only(String name, String... allowed) {
        String own = SECURITY + "." + name + "..";
        return classes().that().resideInAPackage(own).should().onlyDependOnClassesThat()
                .resideInAnyPackage(Stream.concat(Stream.of("", own, SECURITY), Stream.of(allowed)).toArray(String[]::new));
    }
}
