package io.vfleet.stack;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * One application's executable jar, and what it was built with: whether it bundles the actuator
 * (health over HTTP) or a gRPC server, read from its {@code BOOT-INF/lib} entries, so that the stack
 * checks each application the way it can answer.
 */
public record AppJar(Path path, List<String> libraries) {

    public AppJar {
        libraries = List.copyOf(libraries);
    }

    public static AppJar read(Path path) {
        if (!Files.isRegularFile(path)) {
            throw new StackException(path + " does not exist: ./vfleet up builds the applications when a jar is missing"
                    + " (./mvnw -B -q package -Dmaven.test.skip=true -pl vfleet-stack,iommufd-agent/server,inventory-service,"
                    + "assignment-service -am)");
        }
        try (ZipFile jar = new ZipFile(path.toFile())) {
            List<String> libraries = jar.stream()
                    .map(ZipEntry::getName)
                    .filter(name -> name.startsWith("BOOT-INF/lib/") && name.endsWith(".jar"))
                    .map(name -> name.substring("BOOT-INF/lib/".length()))
                    .toList();
            return new AppJar(path, libraries);
        } catch (IOException e) {
            throw new StackException("cannot read the application jar " + path, e);
        }
    }

    public boolean servesActuator() {
        return bundles("spring-boot-actuator-");
    }

    public boolean servesGrpc() {
        return bundles("spring-boot-grpc-server-");
    }

    private boolean bundles(String libraryPrefix) {
        return libraries.stream().anyMatch(library -> library.startsWith(libraryPrefix));
    }
}
