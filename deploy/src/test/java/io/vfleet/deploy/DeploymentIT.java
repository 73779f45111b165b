package io.vfleet.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The repository's own images, compose file and Kubernetes manifests against the packaged apps. */
class DeploymentIT {
    private static final Path REPOSITORY = Path.of(System.getProperty("vfleet.repository", "..")).toAbsolutePath().normalize();

    /** Read once: each image's layers are a few hundred megabytes to decompress. */
    private static Apps apps;

    @BeforeAll
    static void readTheApps() {
        apps = Apps.read(REPOSITORY);
    }

    @Test
    void everyDeploymentFileNamesImagesPortsSettingsAndPathsTheAppsHave() {
        assertThat(DeploymentCheck.check(REPOSITORY, apps)).isEmpty();
    }

    @Test
    void theReleaseOverlayPinsEveryImageByTheDigestJibReportsForItsTarball() throws IOException {
        DeploymentCheck.check(REPOSITORY, apps);
        String release = Files.readString(REPOSITORY.resolve(DeploymentCheck.RELEASE).resolve("kustomization.yaml"));

        for (App app : apps.byName().values()) {
            String reported = Files.readString(REPOSITORY.resolve(app.directory()).resolve("target/jib-image.digest")).strip();
            assertThat(app.digest()).as(app.name()).contains(reported);
            assertThat(release).contains("  - name: vfleet/" + app.name() + "\n    digest: " + reported + "\n");
        }
    }

    /** The flows the architecture has, and nothing else: each added flow must be added here, deliberately. */
    @Test
    void theNetworkPoliciesAllowExactlyTheFleetsFlows() {
        Kustomization manifests = Kustomization.read(REPOSITORY.resolve(DeploymentCheck.MANIFESTS), new Violations());

        String assignment = "vfleet/assignment-service";
        String inventory = "vfleet/inventory-service";
        String agent = "vfleet-agents/iommufd-agent-gpu-server-01";
        String clients = "namespaces{vfleet.io/api-clients=true}";
        String monitoring = "namespaces{kubernetes.io/metadata.name=monitoring}";
        String database = "namespace vfleet pods{app.kubernetes.io/name=postgresql}";
        String anyAddress = "addresses 0.0.0.0/0";
        String dns = "namespaces{kubernetes.io/metadata.name=kube-system} pods{k8s-app=kube-dns}";
        assertThat(NetworkPolicyCheck.flows(manifests.manifests())).containsExactlyInAnyOrder(
                assignment + " -> " + agent + ":9090/TCP",
                agent + " -> " + inventory + ":9090/TCP",
                assignment + " -> " + inventory + ":9090/TCP",
                inventory + " -> " + database + ":5432/TCP",
                assignment + " -> " + database + ":5432/TCP",
                clients + " -> " + assignment + ":8080/TCP",
                clients + " -> " + assignment + ":9092/TCP",
                clients + " -> " + inventory + ":8080/TCP",
                monitoring + " -> " + assignment + ":8080/TCP",
                monitoring + " -> " + inventory + ":8080/TCP",
                monitoring + " -> " + agent + ":8081/TCP",
                // The issuer's JWK set, for every process that checks access tokens.
                assignment + " -> " + anyAddress + ":443/TCP",
                inventory + " -> " + anyAddress + ":443/TCP",
                agent + " -> " + anyAddress + ":443/TCP",
                "vfleet/* -> " + dns + ":53/UDP",
                "vfleet/* -> " + dns + ":53/TCP",
                "vfleet-agents/* -> " + dns + ":53/UDP",
                "vfleet-agents/* -> " + dns + ":53/TCP");
    }

    @Test
    void theAppsAreFoundWithTheSettingsTheyRead() {

        assertThat(apps.byName()).containsKeys("iommufd-agent", "inventory-service", "assignment-service");
        App agent = apps.named("iommufd-agent").orElseThrow();
        assertThat(agent.reads(Setting.environment("VFLEET_AGENT_SYSFSROOT", "/host/sys"))).isTrue();
        assertThat(agent.reads(Setting.environment("SPRING_DATASOURCE_URL", "jdbc:postgresql://db/vfleet"))).isFalse();
        assertThat(agent.ports(agent.builtIn())).containsExactlyInAnyOrder(8081, 9090);
        App assignment = apps.named("assignment-service").orElseThrow();
        assertThat(assignment.reads(Setting.environment("SPRING_DATASOURCE_PASSWORD", "x"))).isTrue();
        assertThat(assignment.reads(Setting.environment("SPRING_GRPC_SERVER_PORT", "9092"))).isTrue();
        assertThat(assignment.reads(Setting.environment("VFLEET_INVENTORY_TARGET", "inventory-service:9090"))).isTrue();
        assertThat(assignment.reads(Setting.environment("VFLEET_INVENTORY_TOKEN", "x"))).isTrue();
        assertThat(assignment.reads(Setting.environment("VFLEET_INVENTORY_TAGRET", "inventory-service:9090"))).isFalse();
        assertThat(assignment.ports(assignment.builtIn())).containsExactlyInAnyOrder(8080, 9092);
        App inventory = apps.named("inventory-service").orElseThrow();
        assertThat(inventory.reads(Setting.environment("VFLEET_INVENTORY_DB_PASSWORD", "x"))).isTrue();
        assertThat(inventory.ports(inventory.builtIn())).containsExactly(8080, 9090);
        assertThat(inventory.healthPaths(inventory.builtIn())).contains("/actuator/health/liveness", "/actuator/health/readiness");
    }

    @Test
    void everyImageRunsItsAppOnTheBaseImageAsUser10001() {
        for (App app : apps.byName().values()) {
            Image image = app.image();
            assertThat(image.user()).as(app.name()).isEqualTo("10001:10001");
            assertThat(image.executable("java")).as(app.name()).contains("/opt/java/bin/java");
            assertThat(image.has("/opt/vfleet/health-check/classes/io/vfleet/healthcheck/HealthCheck.class")).as(app.name()).isTrue();
            assertThat(image.files().get("/tmp").writableBy(10001)).as(app.name()).isTrue();
            assertThat(image.problemRunning(image.entrypoint())).as(app.name()).isEmpty();
        }
        Image agent = apps.named("iommufd-agent").orElseThrow().image();
        assertThat(agent.volumes()).containsExactly("/var/lib/vfleet-agent");
        assertThat(agent.command()).containsExactly("--topology=/etc/vfleet/topology.yaml", "--state-dir=/var/lib/vfleet-agent");
        assertThat(agent.entrypoint()).contains("--enable-native-access=ALL-UNNAMED");
        Image assignment = apps.named("assignment-service").orElseThrow().image();
        assertThat(assignment.volumes()).containsExactly("/var/lib/vfleet-audit");
        assertThat(assignment.files().get("/var/lib/vfleet-audit").writableBy(10001)).isTrue();
    }
}
