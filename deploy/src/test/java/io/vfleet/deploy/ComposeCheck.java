package io.vfleet.deploy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Checks a docker-compose file against the apps: images (ours are Jib's, never built from a Dockerfile),
 * settings from {@code environment}, {@code env_file} and {@code command} (or the image's), published
 * ports, health checks (run by a program the image has, against a health path the app serves),
 * {@code depends_on} conditions, volumes, and every {@code ${VARIABLE}} being defined in the
 * {@code .env.example} beside the file.
 */
final class ComposeCheck {
    private static final Pattern INTERPOLATION = Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)");

    private final Path directory;
    private final String file;
    private final Apps apps;
    private final Violations violations = new Violations();

    private ComposeCheck(Path compose, Apps apps) {
        this.directory = compose.toAbsolutePath().getParent();
        this.file = compose.getFileName().toString();
        this.apps = apps;
    }

    /** The violations in the compose file at {@code compose}; relative paths in it are from its directory. */
    static List<String> check(Path compose, Apps apps) {
        ComposeCheck check = new ComposeCheck(compose, apps);
        check.run(read(compose));
        return check.violations.list();
    }

    @SuppressWarnings("unchecked")
    private void run(String text) {
        Map<String, Object> compose = ConfigurationFiles.yaml().load(text);
        interpolations(text);
        Map<String, Object> services = (Map<String, Object>) compose.getOrDefault("services", Map.of());
        Map<String, Object> volumes = compose.get("volumes") instanceof Map<?, ?> map ? (Map<String, Object>) map : Map.of();
        Map<Integer, String> hostPorts = new HashMap<>();
        Set<String> healthy = new HashSet<>();
        for (var entry : services.entrySet()) {
            Map<String, Object> service = (Map<String, Object>) entry.getValue();
            String where = file + ": service " + entry.getKey();
            Optional<App> app = service.containsKey("image")
                    ? ImageName.app(String.valueOf(service.get("image")), apps, where, violations) : Optional.empty();
            if (service.containsKey("build") && ImageName.parse(String.valueOf(service.getOrDefault("image", ""))).ours()) {
                violations.add(where, "builds " + service.get("image") + " from a Dockerfile, but Jib builds our images"
                        + app.map(it -> " (docker load -i " + it.directory() + "/target/" + it.name() + "-image.tar)").orElse(""));
            }
            Set<String> mounts = volumes(service, volumes.keySet(), where);
            List<Integer> containerPorts = ports(service, hostPorts, where);
            List<String> healthCommand = healthCommand(service);
            Optional<Probe> healthCheck = Probe.ofCommand(healthCommand);
            if (!healthCommand.isEmpty()) {
                healthy.add(entry.getKey());
            }
            if (app.isPresent() && !healthCommand.isEmpty() && healthCheck.isEmpty()) {
                violations.add(where, "health check " + healthCommand + " is not " + Probe.HEALTH_CHECK + ", curl, wget or a /dev/tcp check");
            }
            app.ifPresent(it -> {
                ContainerCheck container = new ContainerCheck(it, where, settings(service, it, where), violations);
                containerPorts.forEach(port -> container.containerPort(port, "published container port"));
                if (!healthCommand.isEmpty()) {
                    container.runs(healthCommand, "health check");
                }
                healthCheck.ifPresent(probe -> container.probe(probe, "health check"));
                container.topologyMounted(mounts);
            });
        }
        for (var entry : services.entrySet()) {
            dependsOn((Map<String, Object>) entry.getValue(), services.keySet(), healthy, file + ": service " + entry.getKey());
        }
    }

    private void interpolations(String text) {
        Set<String> defined = new HashSet<>();
        Path example = directory.resolve(".env.example");
        if (Files.exists(example)) {
            for (String line : read(example).lines().toList()) {
                if (line.contains("=") && !line.strip().startsWith("#")) {
                    defined.add(line.substring(0, line.indexOf('=')).strip());
                }
            }
        }
        Matcher matcher = INTERPOLATION.matcher(text);
        Set<String> reported = new HashSet<>();
        while (matcher.find()) {
            if (!defined.contains(matcher.group(1)) && reported.add(matcher.group(1))) {
                violations.add(file, "${" + matcher.group(1) + "} is not defined in .env.example");
            }
        }
    }

    /** The service's settings, lowest precedence first: env_file, environment, then the command's arguments. */
    @SuppressWarnings("unchecked")
    private List<Setting> settings(Map<String, Object> service, App app, String where) {
        List<Setting> settings = new ArrayList<>();
        for (Object envFile : list(service.get("env_file"))) {
            String path = envFile instanceof Map<?, ?> map ? String.valueOf(((Map<String, Object>) map).get("path")) : String.valueOf(envFile);
            Path resolved = directory.resolve(path);
            Path example = directory.resolve(path + ".example");
            if (!Files.exists(resolved) && !Files.exists(example)) {
                violations.add(where, "env_file " + path + " exists neither as such nor as " + path + ".example");
                continue;
            }
            for (String line : read(Files.exists(resolved) ? resolved : example).lines().toList()) {
                if (line.contains("=") && !line.strip().startsWith("#")) {
                    settings.add(Setting.environment(line.substring(0, line.indexOf('=')).strip(), line.substring(line.indexOf('=') + 1)));
                }
            }
        }
        Object environment = service.get("environment");
        if (environment instanceof Map<?, ?> map) {
            map.forEach((name, value) -> settings.add(Setting.environment(String.valueOf(name), String.valueOf(value))));
        } else {
            for (Object line : list(environment)) {
                String text = String.valueOf(line);
                settings.add(Setting.environment(text.split("=", 2)[0], text.contains("=") ? text.split("=", 2)[1] : ""));
            }
        }
        List<String> command = service.containsKey("command") ? words(service.get("command")) : app.image().command();
        for (String argument : command) {
            Setting.argument(argument).ifPresent(settings::add);
        }
        return settings;
    }

    /** The container ports published; a host port published twice is a violation. */
    @SuppressWarnings("unchecked")
    private List<Integer> ports(Map<String, Object> service, Map<Integer, String> hostPorts, String where) {
        List<Integer> containerPorts = new ArrayList<>();
        for (Object port : list(service.get("ports"))) {
            String host;
            String container;
            if (port instanceof Map<?, ?> map) {
                container = String.valueOf(((Map<String, Object>) map).get("target"));
                host = String.valueOf(((Map<String, Object>) map).getOrDefault("published", ""));
            } else {
                String[] parts = String.valueOf(port).replaceAll("/(tcp|udp)$", "").split(":", -1);
                container = parts[parts.length - 1];
                host = parts.length > 1 ? parts[parts.length - 2] : "";
            }
            containerPorts.add(Integer.parseInt(container));
            if (!host.isEmpty()) {
                String previous = hostPorts.put(Integer.parseInt(host), where);
                if (previous != null) {
                    violations.add(where, "host port " + host + " is already published by " + previous);
                }
            }
        }
        return containerPorts;
    }

    /** The container paths mounted; bind sources must exist and named volumes be declared. */
    @SuppressWarnings("unchecked")
    private Set<String> volumes(Map<String, Object> service, Set<String> declared, String where) {
        Set<String> targets = new HashSet<>();
        for (Object volume : list(service.get("volumes"))) {
            String source;
            String target;
            if (volume instanceof Map<?, ?> map) {
                source = String.valueOf(((Map<String, Object>) map).getOrDefault("source", ""));
                target = String.valueOf(((Map<String, Object>) map).get("target"));
            } else {
                String[] parts = String.valueOf(volume).split(":", -1);
                source = parts.length > 1 ? parts[0] : "";
                target = parts.length > 1 ? parts[1] : parts[0];
            }
            targets.add(target);
            if (source.startsWith(".") || source.startsWith("/")) {
                if (!Files.exists(directory.resolve(source).normalize())) {
                    violations.add(where, "bind mount source " + source + " does not exist");
                }
            } else if (!source.isEmpty() && !declared.contains(source)) {
                violations.add(where, "volume " + source + " is not declared under the top-level volumes");
            }
        }
        return targets;
    }

    /** The command of the service's health check, empty when it has none or it is NONE. */
    @SuppressWarnings("unchecked")
    private static List<String> healthCommand(Map<String, Object> service) {
        if (!(service.get("healthcheck") instanceof Map<?, ?> map)) {
            return List.of();
        }
        List<String> command = words(((Map<String, Object>) map).get("test"));
        return command.isEmpty() || command.getFirst().equals("NONE") ? List.of() : command;
    }

    @SuppressWarnings("unchecked")
    private void dependsOn(Map<String, Object> service, Set<String> services, Set<String> healthy, String where) {
        Object dependsOn = service.get("depends_on");
        Map<String, String> conditions = new LinkedHashMap<>();
        if (dependsOn instanceof Map<?, ?> map) {
            map.forEach((name, value) -> conditions.put(String.valueOf(name), value instanceof Map<?, ?> options
                    ? String.valueOf(((Map<String, Object>) options).getOrDefault("condition", "service_started")) : "service_started"));
        } else {
            list(dependsOn).forEach(name -> conditions.put(String.valueOf(name), "service_started"));
        }
        conditions.forEach((name, condition) -> {
            if (!services.contains(name)) {
                violations.add(where, "depends on " + name + ", which is not a service");
            } else if (condition.equals("service_healthy") && !healthy.contains(name)) {
                violations.add(where, "waits for " + name + " to be healthy, but " + name + " has no health check");
            }
        });
    }

    private static List<String> words(Object command) {
        if (command instanceof List<?> list) {
            List<String> words = list.stream().map(String::valueOf).toList();
            return !words.isEmpty() && words.getFirst().equals("CMD-SHELL") ? List.of(String.join(" ", words.subList(1, words.size())).split("\\s+"))
                    : !words.isEmpty() && words.getFirst().equals("CMD") ? words.subList(1, words.size()) : words;
        }
        return command == null ? List.of() : List.of(String.valueOf(command).strip().split("\\s+"));
    }

    private static List<?> list(Object value) {
        return value instanceof List<?> list ? list : value == null ? List.of() : List.of(value);
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
