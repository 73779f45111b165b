package io.vfleet.engine.snapshot;

import static org.assertj.core.api.Assertions.assertThat;

import io.vfleet.engine.Host;
import io.vfleet.engine.TestHosts;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Every shipped host's topology comes back from a snapshot as an equal record, whatever it holds. */
class ShippedHostsSnapshotTest {

    static Stream<String> shippedHosts() throws IOException {
        try (Stream<Path> files = Files.list(TestHosts.shippedFolder())) {
            return files.map(path -> path.getFileName().toString()).filter(name -> name.endsWith(".yaml"))
                    .map(name -> name.substring(0, name.length() - ".yaml".length())).sorted().toList().stream();
        }
    }

    @ParameterizedTest
    @MethodSource("shippedHosts")
    void theTopologySurvivesTheSnapshot(String name) {
        Host host = Host.boot(TestHosts.shipped(name));

        Host restored = HostSnapshot.decode(HostSnapshot.encode(host));

        assertThat(restored.topology()).isEqualTo(host.topology());
    }
}
