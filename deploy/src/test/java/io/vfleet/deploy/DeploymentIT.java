package io.vfleet.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The repository's own Dockerfiles, compose file and Kubernetes manifests against the packaged apps. */
class DeploymentIT {
    private static final Path REPOSITORY = Path.of(System.getProperty("vfleet.repository", "..")).toAbsolutePath().normalize();

    @Test
    void everyDeploymentFileNamesImagesPortsSettingsAndPathsTheAppsHave() {
        assertThat(DeploymentCheck.check(REPOSITORY)).isEmpty();
    }

    @Test
    void theAppsAreFoundWithTheSettingsTheyRead() {
        Apps apps = Apps.read(REPOSITORY);

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
}
