package io.vfleet.deploy;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Every deployment file of the repository checked against the apps: each app's Dockerfile, the
 * root docker-compose.yml and the Kubernetes manifests in deploy/k8s.
 */
final class DeploymentCheck {
    private static final String BASE_IMAGE = "eclipse-temurin:25-jre";

    private DeploymentCheck() {}

    static List<String> check(Path repository) {
        Apps apps = Apps.read(repository);
        Violations violations = new Violations();
        violations.addAll(apps.problems());
        apps.byName().values().forEach(app -> dockerfile(app, violations));
        List<String> found = new ArrayList<>(violations.list());
        found.addAll(ComposeCheck.check(repository.resolve("docker-compose.yml"), apps));
        KubernetesCheck.check(repository.resolve("deploy/k8s"), apps).forEach(violation -> found.add("deploy/k8s/" + violation));
        return found;
    }

    /** The image runs the jar as a non-root user on Java 25, exposes exactly the app's ports and checks a real one. */
    static void dockerfile(App app, Violations violations) {
        String where = app.directory() + "/Dockerfile";
        Dockerfile dockerfile = app.dockerfile();
        if (!dockerfile.from().equals(BASE_IMAGE)) {
            violations.add(where, "starts from " + dockerfile.from() + ", not " + BASE_IMAGE);
        }
        String user = dockerfile.user().split(":")[0];
        if (user.equals("root") || user.equals("0")) {
            violations.add(where, "runs as root");
        } else if (!user.chars().allMatch(Character::isDigit)) {
            violations.add(where, "USER " + dockerfile.user() + " is not numeric, so Kubernetes cannot verify runAsNonRoot");
        }
        List<Setting> arguments = new ArrayList<>();
        dockerfile.command().forEach(argument -> Setting.argument(argument).ifPresent(arguments::add));
        ContainerCheck check = new ContainerCheck(app, where, arguments, violations);
        Set<Integer> exposed = new TreeSet<>(dockerfile.exposed());
        Set<Integer> served = new TreeSet<>(app.ports(check.settings()));
        if (!exposed.equals(served)) {
            violations.add(where, "EXPOSEs " + exposed + ", but " + app.name() + " listens on " + served);
        }
        dockerfile.healthCheck().ifPresent(command -> Probe.ofCommand(command).ifPresentOrElse(
                probe -> check.probe(probe, "HEALTHCHECK"),
                () -> violations.add(where, "HEALTHCHECK " + command + " is not a curl, wget or /dev/tcp check")));
    }
}
