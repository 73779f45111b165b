package io.vfleet.stack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

class StackWiringTest {
    private static final Path TOPOLOGIES = Path.of("../deploy/topologies");

    @TempDir
    Path directory;

    private PortPlan ports;
    private DemoTokens tokens;
    private StackCertificates certificates;

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
        return wire(inventory, new StackSettings.Timing(StackSettings.DEFAULT_STARTUP_TIMEOUT, reconcileInterval, Optional.empty()));
    }

    private StackWiring.Wired wire(Optional<Path> inventory, StackSettings.Timing timing) throws IOException {
        Path service = jar("service.jar", "spring-boot-grpc-server-1.0.0.jar", "spring-boot-actuator-4.0.0.jar");
        AppJars jars = new AppJars(jar("agent.jar", "spring-boot-grpc-server-1.0.0.jar"), service, inventory);
        List<SimulatedHost> hosts = SimulatedHost.DEFAULT_TOPOLOGIES.stream()
                .map(name -> SimulatedHost.read(TOPOLOGIES.resolve(name))).toList();
        StackSettings settings = new StackSettings(directory.resolve("state"), jars, hosts, StackSettings.DEFAULT_TENANTS,
                Optional.empty(), 0, StackSettings.DEFAULT_JVM_OPTIONS, timing);
        PortPlan ports = PortPlan.from(0, hosts.size());
        DemoTokens tokens = DemoTokens.generate(hosts.stream().map(SimulatedHost::node).toList(), settings.tenants());
        Database database = externalDatabase();
        this.ports = ports;
        this.tokens = tokens;
        certificates = StackCertificates.in(directory.resolve("state/tls"));
        return new StackWiring(settings, ports, tokens, database, certificates).wire();
    }

    private static Database externalDatabase() {
        return new ExternalDatabase("jdbc:postgresql://db.example:5432/vfleet", Map.of(
                ServiceSchema.INVENTORY, new DatabaseRole("vfleet_inventory", "inventory-secret"),
                ServiceSchema.ASSIGNMENT, new DatabaseRole("vfleet_assignment", "owner-secret")),
                Map.of(ServiceSchema.ASSIGNMENT, new DatabaseRole("vfleet_assignment_service", "assignment-secret")));
    }

    private static String secrets(ChildProcess child) {
        return child.spec().environment().get(ApplicationProperties.ENVIRONMENT_VARIABLE);
    }

    @Test
    void withAnInventoryTheAssignmentServiceFollowsItsFeedWithItsCertificateAndHasNoStaticEndpoints() throws IOException {
        StackWiring.Wired wired = wire(Optional.of(jar("inventory.jar",
                "spring-boot-grpc-server-1.0.0.jar", "spring-boot-actuator-4.0.0.jar")), Optional.empty());

        ChildProcess.Spec assignment = wired.assignment().spec();
        assertThat(assignment.command())
                .contains("--spring.grpc.server.port=" + ports.assignmentGrpc(),
                        "--vfleet.inventory.target=127.0.0.1:" + ports.inventoryGrpc())
                .noneMatch(argument -> argument.startsWith("--vfleet.agents.endpoints."))
                .noneMatch(argument -> argument.startsWith("--vfleet.reconcile.interval="))
                .noneMatch(argument -> argument.contains(tokens.controller()));
        assertThat(String.join(" ", assignment.environment().values())).doesNotContain(tokens.controller())
                .doesNotContain("vfleet.inventory.token").doesNotContain("vfleet.agents.token");
        assertThat(wired.agents().values()).allSatisfy(agent -> {
            assertThat(agent.spec().command()).contains("--vfleet.agent.inventory-target=127.0.0.1:" + ports.inventoryGrpc())
                    .noneMatch(argument -> argument.contains("inventory-token"));
            assertThat(String.join(" ", agent.spec().environment().values())).doesNotContain("inventory-token");
        });
        Path state = directory.resolve("state").toAbsolutePath().normalize();
        assertThat(assignment.command()).contains(
                "--vfleet.audit.signing.key-file=" + state.resolve("assignment-service/audit-signing.key"),
                "--vfleet.audit.signing.generate-if-missing=true",
                "--vfleet.audit.checkpoints.directory=" + state.resolve("audit-checkpoints"));
        assertThat(tokens.inventoryGrants()).contains(new DemoTokens.Grant(tokens.controller(), "controller", null, null));
        assertThat(wired.notWired()).isEmpty();
    }

    @Test
    void everyProcessHasItsOwnCertificateNamingItsFleetIdentityFromTheStacksAuthority() throws Exception {
        StackWiring.Wired wired = wire(Optional.of(jar("inventory.jar",
                "spring-boot-grpc-server-1.0.0.jar", "spring-boot-actuator-4.0.0.jar")), Optional.empty());

        assertThat(identityOf(wired.inventory().orElseThrow().spec())).isEqualTo("spiffe://vfleet/service/inventory");
        assertThat(identityOf(wired.assignment().spec())).isEqualTo("spiffe://vfleet/controller");
        for (Map.Entry<String, ChildProcess> agent : wired.agents().entrySet()) {
            assertThat(identityOf(agent.getValue().spec())).isEqualTo("spiffe://vfleet/node/" + agent.getKey());
        }
        java.security.cert.X509Certificate authority = certificate(certificates.authorityCertificate());
        for (ChildProcess.Spec spec : List.of(wired.assignment().spec(), wired.agents().get("gpu-server-01").spec())) {
            Path tls = tlsDirectory(spec);
            certificate(tls.resolve("tls.crt")).verify(authority.getPublicKey());
            assertThat(Files.readString(tls.resolve("ca.crt"))).isEqualTo(Files.readString(certificates.authorityCertificate()));
            assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(tls.resolve("tls.key"))))
                    .isEqualTo("rw-------");
        }
    }

    @Test
    void theAuthorityIsKeptAcrossStartsAndEachStartIssuesFreshCertificates() throws Exception {
        StackCertificates first = StackCertificates.in(directory.resolve("tls"));
        String authority = Files.readString(first.authorityCertificate());
        String before = Files.readString(first.issue("agent-a", StackCertificates.nodeIdentity("a")).resolve("tls.crt"));

        StackCertificates again = StackCertificates.in(directory.resolve("tls"));

        assertThat(Files.readString(again.authorityCertificate())).isEqualTo(authority);
        assertThat(Files.readString(again.issue("agent-a", StackCertificates.nodeIdentity("a")).resolve("tls.crt")))
                .isNotEqualTo(before);
    }

    @Test
    void theLabHostRunsTheLabScriptWithTheNodesCertificateOnTheNextAgentPortRegisteringWithTheInventory() throws Exception {
        Path service = jar("service.jar", "spring-boot-grpc-server-1.0.0.jar", "spring-boot-actuator-4.0.0.jar");
        Path agentJar = jar("agent.jar", "spring-boot-grpc-server-1.0.0.jar");
        LabHost lab = LabHost.of(Path.of(".."), LabHost.Kernel.IOMMUFD);
        StackSettings settings = StackSettings.forTests(Path.of(".."), new AppJars(agentJar, service, Optional.of(service)),
                directory.resolve("state")).withLabHost(lab, List.of(SimulatedHost.read(TOPOLOGIES.resolve("gpu-server-8x.yaml"))));
        ports = PortPlan.from(0, settings.nodes().size());
        tokens = DemoTokens.generate(settings.nodes(), settings.tenants());
        certificates = StackCertificates.in(directory.resolve("state/tls"));

        StackWiring.Wired wired = new StackWiring(settings, ports, tokens, externalDatabase(), certificates).wire();

        assertThat(wired.agents().keySet()).containsExactly("gpu-server-01", "lab-1");
        ChildProcess.Spec spec = wired.agents().get("lab-1").spec();
        Path tls = directory.resolve("state/tls/agent-lab-1").toAbsolutePath().normalize();
        assertThat(spec.name()).isEqualTo("agent-lab-1");
        assertThat(spec.command()).containsExactly(lab.script().toString(), "up", "--kernel=iommufd",
                "--port=" + ports.agents().get(1), "--node-name=lab-1", "--agent-jar=" + agentJar, "--tls-dir=" + tls,
                "--inventory-target=127.0.0.1:" + ports.inventoryGrpc());
        assertThat(spec.ports()).containsExactly(Map.entry("grpc", ports.agents().get(1)));
        assertThat(spec.stopSignal()).isEqualTo(Signal.SIGTERM);
        assertThat(certificate(tls.resolve("tls.crt")).getSubjectAlternativeNames().stream()
                .filter(name -> name.get(0).equals(6)).map(name -> (String) name.get(1))).containsExactly("spiffe://vfleet/node/lab-1");
        // The tokens the lab writes into the guest come from the environment, never the command line.
        assertThat(spec.environment()).containsEntry("VFLEET_LAB_OPERATOR_TOKEN", tokens.operator())
                .containsEntry("VFLEET_LAB_CONTROLLER_TOKEN", tokens.controller());
        assertThat(String.join(" ", spec.command())).doesNotContain(tokens.operator()).doesNotContain(tokens.controller());
        assertThat(wired.notWired()).isEmpty();
    }

    @Test
    void theLabsNodeIsRefusedWhenATopologyNamesItAndALabAloneIsAStack() {
        StackSettings settings = StackSettings.forTests(Path.of(".."), new AppJars(Path.of("a.jar"), Path.of("s.jar"), Optional.empty()),
                directory.resolve("state"));
        LabHost named = new LabHost("gpu-server-01", LabHost.Kernel.STOCK, Path.of("vfleet-lab"));

        assertThatThrownBy(() -> settings.withLabHost(named, settings.hosts())).isInstanceOf(StackException.class)
                .hasMessageContaining("gpu-server-01");
        assertThat(settings.withLabHost(LabHost.of(Path.of(".."), LabHost.Kernel.STOCK), List.of()).nodes()).containsExactly("lab-1");
        assertThatThrownBy(() -> LabHost.Kernel.of("debian")).isInstanceOf(StackException.class)
                .hasMessageContaining("stock or iommufd");
    }

    private static Path tlsDirectory(ChildProcess.Spec spec) {
        return Path.of(spec.command().stream().filter(argument -> argument.startsWith("--vfleet.tls.directory="))
                .findFirst().orElseThrow().substring("--vfleet.tls.directory=".length()));
    }

    private static String identityOf(ChildProcess.Spec spec) throws Exception {
        return certificate(tlsDirectory(spec).resolve("tls.crt")).getSubjectAlternativeNames().stream()
                .filter(name -> name.get(0).equals(6)).map(name -> (String) name.get(1)).findFirst().orElseThrow();
    }

    private static java.security.cert.X509Certificate certificate(Path file) throws Exception {
        try (var in = Files.newInputStream(file)) {
            return (java.security.cert.X509Certificate) java.security.cert.CertificateFactory.getInstance("X.509")
                    .generateCertificate(in);
        }
    }

    @Test
    void everyAgentKeepsTheControllersTokenOnlyInTheEnvironmentAndTheLocalProfileWhileTheServiceSendsItsCertificate()
            throws IOException {
        StackWiring.Wired wired = wire(Optional.empty(), Optional.empty());

        String controller = "\"vfleet.security.tokens[0].token\":\"" + tokens.controller() + "\"";
        assertThat(wired.agents().values()).hasSize(3).allSatisfy(agent -> {
            assertThat(agent.spec().environment().get(ApplicationProperties.ENVIRONMENT_VARIABLE))
                    .contains(controller).contains("\"vfleet.security.tokens[0].role\":\"controller\"");
            assertThat(agent.spec().command()).contains("--spring.profiles.active=local")
                    .noneMatch(argument -> argument.contains(tokens.controller()));
        });
        ChildProcess.Spec assignment = wired.assignment().spec();
        assertThat(assignment.environment().get(ApplicationProperties.ENVIRONMENT_VARIABLE)).doesNotContain(tokens.controller());
        assertThat(assignment.command()).contains("--spring.profiles.active=local")
                .anyMatch(argument -> argument.startsWith("--vfleet.tls.directory="))
                .noneMatch(argument -> argument.contains(tokens.controller()));
    }

    @Test
    void withoutAnInventoryTheAgentsEndpointsAreGivenAndTheMissingFeedIsSaid() throws IOException {
        StackWiring.Wired wired = wire(Optional.empty(), Optional.of(Duration.ofSeconds(5)));

        List<String> arguments = wired.assignment().spec().command();
        assertThat(arguments).noneMatch(argument -> argument.startsWith("--vfleet.inventory."))
                .contains("--vfleet.agents.endpoints.gpu-server-01=127.0.0.1:" + ports.agents().get(0),
                        "--vfleet.agents.endpoints.legacy-03=127.0.0.1:" + ports.agents().get(2),
                        "--vfleet.reconcile.interval=5s");
        assertThat(wired.notWired()).singleElement().asString().startsWith("inventory-service:");
        Map<String, ChildProcess> agents = wired.agents();
        assertThat(agents.get("gpu-server-01").spec().command()).noneMatch(argument -> argument.contains("inventory"));
    }

    @Test
    void eachServiceConnectsAsItsOwnRoleWithItsPasswordOnlyInTheEnvironment() throws IOException {
        StackWiring.Wired wired = wire(Optional.of(jar("inventory.jar", "spring-boot-actuator-4.0.0.jar")), Optional.empty());

        ChildProcess inventory = wired.inventory().orElseThrow();
        assertThat(inventory.spec().command())
                .contains("--spring.datasource.url=jdbc:postgresql://db.example:5432/vfleet", "--spring.datasource.username=vfleet_inventory")
                .noneMatch(argument -> argument.startsWith("--spring.flyway.user="))
                .noneMatch(argument -> argument.contains("secret"));
        assertThat(secrets(inventory)).contains("\"spring.datasource.password\":\"inventory-secret\"")
                .doesNotContain("assignment-secret", "owner-secret");
        // The assignment service connects as a role that owns nothing; its schema's owner runs the migrations.
        ChildProcess assignment = wired.assignment();
        assertThat(assignment.spec().command())
                .contains("--spring.datasource.username=vfleet_assignment_service", "--spring.flyway.user=vfleet_assignment")
                .noneMatch(argument -> argument.contains("secret"));
        assertThat(secrets(assignment)).contains("\"spring.datasource.password\":\"assignment-secret\"",
                "\"spring.flyway.password\":\"owner-secret\"").doesNotContain("inventory-secret");
    }

    @Test
    void theDemoTenantsTokensGoToTheAssignmentServiceScopedToTheirTenantsAndNotToTheInventory() throws IOException {
        StackWiring.Wired wired = wire(Optional.of(jar("inventory.jar", "spring-boot-actuator-4.0.0.jar")), Optional.empty());

        JsonNode secrets = JsonMapper.builder().build().readTree(secrets(wired.assignment()));
        Map<String, String> tenantOf = new HashMap<>();
        for (int index = 0; secrets.has("vfleet.security.tokens[" + index + "].token"); index++) {
            String prefix = "vfleet.security.tokens[" + index + "].";
            tenantOf.put(secrets.get(prefix + "token").asString(), secrets.get(prefix + "role").asString() + " "
                    + secrets.path(prefix + "tenant").asString("every tenant"));
        }
        assertThat(tenantOf).containsEntry(tokens.tenant("acme"), "orchestrator acme")
                .containsEntry(tokens.tenant("globex"), "orchestrator globex")
                .containsEntry(tokens.orchestrator(), "orchestrator every tenant");
        assertThat(secrets(wired.inventory().orElseThrow())).doesNotContain(tokens.tenant("acme"), tokens.tenant("globex"));
    }

    @Test
    void theHeartbeatTimeoutAndTheReconcileIntervalGoToTheServicesThatKeepThem() throws IOException {
        StackWiring.Wired wired = wire(Optional.of(jar("inventory.jar", "spring-boot-actuator-4.0.0.jar")),
                new StackSettings.Timing(Duration.ofMinutes(1), Optional.of(Duration.ofSeconds(15)), Optional.of(Duration.ofSeconds(45))));

        assertThat(wired.inventory().orElseThrow().spec().command()).contains("--vfleet.inventory.heartbeat-timeout=45s")
                .noneMatch(argument -> argument.startsWith("--vfleet.reconcile."));
        assertThat(wired.assignment().spec().command()).contains("--vfleet.reconcile.interval=15s")
                .noneMatch(argument -> argument.startsWith("--vfleet.inventory.heartbeat"));
    }

    @Test
    void aHeartbeatTimeoutAgentsCannotMeetAndAFractionalReconcileIntervalAreRefused() {
        assertThatThrownBy(() -> new StackSettings.Timing(Duration.ofMinutes(1), Optional.empty(), Optional.of(Duration.ofSeconds(10))))
                .isInstanceOf(StackException.class).hasMessageContaining("at least 20 s (agents heartbeat every 10 s)");
        assertThatThrownBy(() -> new StackSettings.Timing(Duration.ofMinutes(1), Optional.of(Duration.ofMillis(1500)), Optional.empty()))
                .isInstanceOf(StackException.class).hasMessageContaining("whole seconds (0s for never)");
    }

    @Test
    void aReconcileIntervalOfZeroTurnsEveryReconciliationOfTheServiceOff() throws IOException {
        StackWiring.Wired wired = wire(Optional.empty(), Optional.of(Duration.ZERO));

        assertThat(wired.assignment().spec().command()).contains("--vfleet.reconcile.interval=0s",
                "--vfleet.reconcile.on-start=false", "--vfleet.reconcile.on-registration=false");
        assertThat(wire(Optional.empty(), Optional.of(Duration.ofSeconds(5))).assignment().spec().command())
                .noneMatch(argument -> argument.startsWith("--vfleet.reconcile.on-"));
    }

    @Test
    void withoutReconciliationKeepsTheOtherSettingsAndSaysZero() throws IOException {
        Path jar = jar("app.jar");
        StackSettings settings = StackSettings.forTests(Path.of(".."), new AppJars(jar, jar, Optional.empty()),
                directory.resolve("state"));
        StackSettings off = settings.withoutReconciliation();

        assertThat(off.timing().reconcileInterval()).contains(Duration.ZERO);
        assertThat(off.timing().startupTimeout()).isEqualTo(settings.timing().startupTimeout());
        assertThat(off.hosts()).isEqualTo(settings.hosts());
        assertThat(off.tenants()).isEqualTo(settings.tenants());
    }
}
