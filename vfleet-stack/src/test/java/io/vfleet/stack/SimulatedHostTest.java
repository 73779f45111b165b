package io.vfleet.stack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SimulatedHostTest {
    private static final Path TOPOLOGIES = Path.of("../deploy/topologies");

    @TempDir
    Path directory;

    @Test
    void theDefaultHostsAreNamedAfterTheirTopologiesHostnames() {
        assertThat(SimulatedHost.DEFAULT_TOPOLOGIES.stream().map(name -> SimulatedHost.read(TOPOLOGIES.resolve(name)).node()))
                .containsExactly("gpu-server-01", "workstation-07", "legacy-03");
    }

    @Test
    void aQuotedHostnameIsReadAsTheAgentReadsIt() throws Exception {
        Path file = directory.resolve("host.yaml");
        Files.writeString(file, "# an edge host\nhostname: \"edge-9\"\ndevices: []\n");

        assertThat(SimulatedHost.read(file)).isEqualTo(new SimulatedHost("edge-9", file.toAbsolutePath().normalize()));
    }

    @Test
    void aTopologyWithoutHostnameIsRefused() throws Exception {
        Path file = directory.resolve("nameless.yaml");
        Files.writeString(file, "devices: []\n");

        assertThatThrownBy(() -> SimulatedHost.read(file)).isInstanceOf(StackException.class)
                .hasMessageContaining("nameless.yaml:1:1: hostname: required");
    }

    @Test
    void aTopologyTheAgentWouldRefuseStopsTheStackNamingTheFieldAndLine() throws Exception {
        Path file = directory.resolve("typo.yaml");
        Files.writeString(file, "hostname: edge-9\nkernel:\n  hostname: nested\n");

        assertThatThrownBy(() -> SimulatedHost.read(file)).isInstanceOf(StackException.class)
                .hasMessageContaining("typo.yaml:3:3: kernel.hostname: unknown key");
    }

    @Test
    void anApplicationJarTellsWhetherItServesTheActuatorAndGrpc() throws Exception {
        Path jar = directory.resolve("app-exec.jar");
        try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(jar))) {
            zip.putNextEntry(new ZipEntry("BOOT-INF/lib/spring-boot-actuator-4.1.2.jar"));
            zip.closeEntry();
            zip.putNextEntry(new ZipEntry("BOOT-INF/classes/spring-boot-grpc-server-notalibrary.jar"));
            zip.closeEntry();
        }

        AppJar app = AppJar.read(jar);

        assertThat(app.servesActuator()).isTrue();
        assertThat(app.servesGrpc()).isFalse();
    }

    @Test
    void aMissingApplicationJarSaysHowToBuildIt() {
        assertThatThrownBy(() -> AppJar.read(directory.resolve("absent-exec.jar"))).isInstanceOf(StackException.class)
                .hasMessageContaining("./mvnw -B -q install -Dmaven.test.skip=true");
    }

    @Test
    void jarsAreLookedForUnderEachModulesTargetWithTheLaunchersVersion() {
        AppJars jars = AppJars.under(Path.of(".."));

        assertThat(jars.agent().toString()).endsWith("iommufd-agent/server/target/iommufd-agent-" + AppJars.version() + "-exec.jar");
        assertThat(AppJars.version()).isNotBlank().doesNotContain("@");
    }
}
