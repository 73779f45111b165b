package io.vfleet.deploy;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * The checks that a container of one of our apps passes whether compose or Kubernetes runs it:
 * every setting is one the app reads, a list is set from one source only, ports and probes are ones the
 * app serves, and the agent's topology file is where it is mounted.
 */
final class ContainerCheck {
    private static final String TOPOLOGY = "vfleet.agent.topology";
    private static final String SYSFS_ROOT = "vfleet.agent.sysfs-root";

    private final App app;
    private final String where;
    private final List<Setting> settings;
    private final Violations violations;

    /** {@code deployment}: the settings the deployment gives, lowest precedence first. */
    ContainerCheck(App app, String where, List<Setting> deployment, Violations violations) {
        this.app = app;
        this.where = where;
        this.settings = app.with(deployment);
        this.violations = violations;
        for (Setting setting : deployment) {
            if (!app.reads(setting)) {
                violations.add(where, setting.describe() + " is not a setting " + app.name() + " reads");
            }
        }
        listsFromOneSource(deployment);
    }

    /**
     * Spring Boot takes a whole list from the one property source of highest precedence that has any
     * of it, so entries split between, say, a file and the environment lose the file's half.
     */
    private void listsFromOneSource(List<Setting> deployment) {
        Map<String, Set<Setting.Source>> sources = new HashMap<>();
        for (Setting setting : deployment) {
            List<String> segments = setting.segments();
            for (int i = 1; i < segments.size(); i++) {
                if (!segments.get(i).isEmpty() && segments.get(i).chars().allMatch(Character::isDigit)) {
                    sources.computeIfAbsent(String.join(".", segments.subList(0, i)), list -> new TreeSet<>()).add(setting.source());
                    break;
                }
            }
        }
        sources.forEach((list, from) -> {
            if (from.size() > 1) {
                violations.add(where, "list " + list + " is set from " + from.stream().map(Enum::name).collect(Collectors.joining(" and "))
                        + ", but Spring binds a list from one source only");
            }
        });
    }

    App app() {
        return app;
    }

    List<Setting> settings() {
        return settings;
    }

    void containerPort(int port, String what) {
        if (!app.ports(settings).contains(port)) {
            violations.add(where, what + " " + port + " is not a port " + app.name() + " listens on " + app.ports(settings));
        }
    }

    /**
     * A problem unless the image can run {@code command}: its program is in the image (through its PATH),
     * and a {@code java} with a class path names a main class the image has.
     */
    void runs(List<String> command, String what) {
        app.image().problemRunning(command).ifPresent(problem -> violations.add(where, what + " " + command + ": " + problem));
    }

    void probe(Probe probe, String what) {
        switch (probe.kind()) {
            case HTTP -> {
                if (app.managementPort(settings).filter(port -> port == probe.port()).isEmpty()) {
                    violations.add(where, what + " " + probe.describe() + ": " + app.name() + " serves its actuator on "
                            + app.managementPort(settings).map(String::valueOf).orElse("no port (it has no actuator)"));
                } else if (!app.healthPaths(settings).contains(probe.path())) {
                    violations.add(where, what + " " + probe.describe() + ": " + probe.path() + " is not one of "
                            + app.name() + "'s health paths " + app.healthPaths(settings));
                }
            }
            case TCP -> {
                if (!app.ports(settings).contains(probe.port())) {
                    violations.add(where, what + " " + probe.describe() + ": " + app.name() + " listens on " + app.ports(settings));
                }
            }
            case GRPC -> {
                if (app.grpcPort(settings).filter(port -> port == probe.port()).isEmpty() || !app.servesGrpcHealth(settings)) {
                    violations.add(where, what + " " + probe.describe() + ": " + app.name() + " serves grpc.health.v1 on "
                            + (app.servesGrpcHealth(settings) ? app.grpcPort(settings).orElseThrow() : "no port"));
                }
            }
        }
    }

    /**
     * A topology file must be mounted where the agent is told to read it ({@code mounts}: the paths
     * mounted into the container); on sysfs, the sysfs root must be mounted.
     */
    void topologyMounted(Set<String> mounts) {
        var topology = App.value(TOPOLOGY, settings);
        if (topology.isEmpty()) {
            return;
        }
        String path = topology.get().equals("sysfs") ? App.value(SYSFS_ROOT, settings).orElse("/sys") : topology.get();
        boolean mounted = mounts.stream().anyMatch(mount -> path.equals(mount) || path.startsWith(mount.endsWith("/") ? mount : mount + "/"));
        if (!mounted) {
            violations.add(where, app.name() + " reads its topology from " + path + ", where nothing is mounted");
        }
    }
}
