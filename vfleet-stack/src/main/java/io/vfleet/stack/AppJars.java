package io.vfleet.stack;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Properties;

/**
 * Where the applications' executable jars are: as the build leaves them under each module's
 * {@code target/} ({@link #under}), or named one by one (the e2e tests take them from the build's
 * dependency resolution). The inventory is optional while a checkout has no inventory-service module.
 */
public record AppJars(Path agent, Path assignment, Optional<Path> inventory) {

    public static final String AGENT_MODULE = "iommufd-agent/server";
    public static final String ASSIGNMENT_MODULE = "assignment-service";
    public static final String INVENTORY_MODULE = "inventory-service";

    public static AppJars under(Path projectRoot) {
        String version = version();
        Path root = projectRoot.toAbsolutePath().normalize();
        Path inventoryModule = root.resolve(INVENTORY_MODULE);
        return new AppJars(
                root.resolve(AGENT_MODULE).resolve("target/iommufd-agent-" + version + "-exec.jar"),
                root.resolve(ASSIGNMENT_MODULE).resolve("target/assignment-service-" + version + "-exec.jar"),
                Files.isDirectory(inventoryModule)
                        ? Optional.of(inventoryModule.resolve("target/inventory-service-" + version + "-exec.jar"))
                        : Optional.empty());
    }

    /** The version this launcher was built with, which is the version of the jars it starts. */
    public static String version() {
        try (InputStream in = AppJars.class.getResourceAsStream("/vfleet-stack.properties")) {
            if (in == null) {
                throw new AssertionError("vfleet-stack.properties is missing from the launcher's jar");
            }
            Properties properties = new Properties();
            properties.load(in);
            return properties.getProperty("version");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
