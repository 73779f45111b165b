package io.vfleet.stack;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StackWiringTest {
    private static final Path TOPOLOGIES = Path.of("../deploy/topologies");

    @TempDir
    Path directory;

    private PortPlan ports;
    private DemoTokens tokens;

    private Path jar(String name, String... libraries) throws IOException {
        Path jar = directory.resolve(name);
        try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(jar))) {
            for (String library : libraries) {
                zip.putNextEntry(new ZipEntry("BOOT-INF/lib/" + library));
                zip.closeEntry();
            }
        }
        return jar;
    }

    private StackWiring.Wired wire(Optional<Path> inventory, Optional<Duration> reconcileInterval) throws IOException {
        Path service = jar("service.jar", "spring-boot-grpc-server-1.0.0.jar", "spring-boot-actuator-4.0.0.jar");
        AppJars jars = new AppJars(jar("agent.jar", "spring-boot-grpc-server-1.0.0.jar"), service, inventory);
        List<SimulatedHost> hosts = SimulatedHost.DEFAULT_TOPOLOGIES.stream()
                .map(name -> SimulatedHost.read(TOPOLOGIES.resolve(name))).toList();
        StackSettings settings = new StackSettings(directory.resolve("state"), jars, hosts, Optional.empty(), 0,
                StackSettings.DEFAULT_JVM_OPTIONS, StackSettings.DEFAULT_STARTUP_TIMEOUT, reconcileInterval);
        PortPlan ports = PortPlan.from(0, hosts.size());
        DemoTokens tokens = DemoTokens.generate(hosts.stream().map(SimulatedHost::node).toList());
        Database database = new ExternalDatabase("jdbc:postgresql://db.example:5432/vfleet", "vfleet", "secret");
        this.ports = ports;
        this.tokens = tokens;
        return new StackWiring(settings, ports, tokens, database).wire();
    }

    @Test
    void withAnInventoryTheAssignmentServiceFollowsItsFeedWithATokenTheInventoryAcceptsAndHasNoStaticEndpoints() throws IOException {
        StackWiring.Wired wired = wire(Optional.of(jar("inventory.jar",
                "spring-boot-grpc-server-1.0.0.jar", "spring-boot-actuator-4.0.0.jar")), Optional.empty());

        ChildProcess.Spec assignment = wired.assignment().spec();
        assertThat(assignment.arguments())
                .contains("--spring.grpc.server.port=" + ports.assignmentGrpc(),
                        "--vfleet.inventory.target=127.0.0.1:" + ports.inventoryGrpc())
                .noneMatch(argument -> argument.startsWith("--vfleet.agents.endpoints."))
                .noneMatch(argument -> argument.startsWith("--vfleet.reconcile.interval="))
                .noneMatch(argument -> argument.contains(tokens.controller()));
        assertThat(String.join(" ", assignment.environment().values())).contains(tokens.controller());
        Path state = directory.resolve("state").toAbsolutePath().normalize();
        assertThat(assignment.arguments()).contains("--spring.flyway.user=vfleet",
                "--vfleet.audit.signing.key-file=" + state.resolve("assignment-service/audit-signing.key"),
                "--vfleet.audit.signing.generate-if-missing=true",
                "--vfleet.audit.checkpoints.directory=" + state.resolve("audit-checkpoints"));
        assertThat(tokens.inventoryGrants()).contains(new DemoTokens.Grant(tokens.controller(), "controller", null));
        assertThat(wired.notWired()).isEmpty();
    }

    @Test
    void everyAgentTakesTheControllersTokenWhichTheAssignmentServiceSendsBothOnlyInTheEnvironmentAndInTheLocalProfile()
            throws IOException {
        StackWiring.Wired wired = wire(Optional.empty(), Optional.empty());

        String controller = "\"vfleet.security.tokens[0].token\":\"" + tokens.controller() + "\"";
        assertThat(wired.agents().values()).hasSize(3).allSatisfy(agent -> {
            assertThat(agent.spec().environment().get(ApplicationProperties.ENVIRONMENT_VARIABLE))
                    .contains(controller).contains("\"vfleet.security.tokens[0].role\":\"controller\"");
            assertThat(agent.spec().arguments()).contains("--spring.profiles.active=local")
                    .noneMatch(argument -> argument.contains(tokens.controller()));
        });
        ChildProcess.Spec assignment = wired.assignment().spec();
        assertThat(assignment.environment().get(ApplicationProperties.ENVIRONMENT_VARIABLE))
                .contains("\"vfleet.agents.token\":\"" + tokens.controller() + "\"");
        assertThat(assignment.arguments()).contains("--spring.profiles.active=local")
                .noneMatch(argument -> argument.contains(tokens.controller()));
    }

    @Test
    void withoutAnInventoryTheAgentsEndpointsAreGivenAndTheMissingFeedIsSaid() throws IOException {
        StackWiring.Wired wired = wire(Optional.empty(), Optional.of(Duration.ofSeconds(5)));

        List<String> arguments = wired.assignment().spec().arguments();
        assertThat(arguments).noneMatch(argument -> argument.startsWith("--vfleet.inventory."))
                .contains("--vfleet.agents.endpoints.gpu-server-01=127.0.0.1:" + ports.agents().get(0),
                        "--vfleet.agents.endpoints.legacy-03=127.0.0.1:" + ports.agents().get(2),
                        "--vfleet.reconcile.interval=5s");
        assertThat(wired.notWired()).singleElement().asString().startsWith("inventory-service:");
        Map<String, ChildProcess> agents = wired.agents();
        assertThat(agents.get("gpu-server-01").spec().arguments()).noneMatch(argument -> argument.contains("inventory"));
    }
}
