package io.vfleet.engine;

import io.vfleet.engine.topology.HostTopology;
import io.vfleet.engine.topology.yaml.TopologyLoader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Hosts for tests: inline YAML topologies and the ones shipped under {@code deploy/topologies}. */
public final class TestHosts {
    private TestHosts() {
    }

    public static Host boot(String yaml) {
        return Host.boot(TopologyLoader.parse(yaml, "test"));
    }

    /** A shipped topology by file name without extension, e.g. {@code gpu-server-8x}. */
    public static HostTopology shipped(String name) {
        Path path = shippedFolder().resolve(name + ".yaml");
        try {
            return TopologyLoader.load(path);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code deploy/topologies} at the repository root, found from the module directory. */
    public static Path shippedFolder() {
        Path here = Path.of("").toAbsolutePath();
        for (Path dir = here; dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve("deploy/topologies");
            if (Files.isDirectory(candidate)) {
                return candidate;
            }
        }
        throw new IllegalStateException("deploy/topologies not found above " + here);
    }

    /**
     * One bridge with secondary bus reset and, below it, {@code devices} vfio-pci functions
     * 0000:01:00.N in their own IOMMU groups 10+N, each with FLR: the smallest useful host.
     */
    public static String simpleHost(int devices, String profile) {
        StringBuilder yaml = new StringBuilder("""
                hostname: test-host
                kernel: {profile: %s}
                devices:
                  - bdf: 0000:00:01.0
                    id: {vendor: 0x8086, device: 0xa70d, class: 0x060400}
                    driver: pcieport
                    iommuGroup: 1
                    reset: {secondaryBusReset: true}
                """.formatted(profile));
        for (int n = 0; n < devices; n++) {
            yaml.append("""
                      - bdf: 0000:01:00.%d
                        id: {vendor: 0x10de, device: 0x2330, class: 0x030200}
                        driver: vfio-pci
                        iommuGroup: %d
                        upstreamBridge: 0000:00:01.0
                        reset: {functionReset: true}
                    """.formatted(n, 10 + n));
        }
        return yaml.toString();
    }
}
