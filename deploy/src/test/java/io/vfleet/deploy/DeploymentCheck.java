package io.vfleet.deploy;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Every deployment file of the repository checked against the apps: each app's image as Jib built
 * it, the root docker-compose.yml and the Kubernetes manifests in deploy/k8s, as the release overlay
 * ({@value #RELEASE}) deploys them: with each image by the digest built in the same run.
 */
final class DeploymentCheck {
    static final String MANIFESTS = "deploy/k8s";
    static final String RELEASE = "deploy/target/k8s-release";

    /** The fleet identity each service's certificate names (service-security's CertificateIdentity); an agent's is its node's. */
    static final Map<String, String> IDENTITIES = Map.of(
            "inventory-service", "spiffe://vfleet/service/inventory",
            "assignment-service", "spiffe://vfleet/controller");

    private DeploymentCheck() {}

    static List<String> check(Path repository) {
        return check(repository, Apps.read(repository));
    }

    static List<String> check(Path repository, Apps apps) {
        Violations violations = new Violations();
        violations.addAll(apps.problems());
        apps.byName().values().forEach(app -> image(app, violations));
        List<String> found = new ArrayList<>(violations.list());
        found.addAll(ComposeCheck.check(repository.resolve("docker-compose.yml"), apps));
        Path release = ReleaseOverlay.write(repository.resolve(RELEASE), repository.resolve(MANIFESTS), apps);
        String base = release.relativize(repository.resolve(MANIFESTS)) + "/";
        KubernetesCheck.check(release, apps, IDENTITIES).forEach(violation -> found.add(violation.startsWith(base)
                ? MANIFESTS + "/" + violation.substring(base.length()) : RELEASE + "/" + violation));
        return found;
    }

    /**
     * The image runs the app's main class as a numeric non-root user, from a working directory it has,
     * exposes exactly the app's ports, passes arguments the app reads, and lets that user write every
     * volume it declares (a new named volume starts as the image's directory).
     */
    static void image(App app, Violations violations) {
        String where = app.directory() + ": image " + app.imageName();
        Image image = app.image();
        String user = image.user().split(":", -1)[0];
        if (user.equals("root") || user.equals("0")) {
            violations.add(where, "runs as root");
        } else if (image.userId().isEmpty()) {
            violations.add(where, "user " + image.user() + " is not numeric, so Kubernetes cannot verify runAsNonRoot");
        }
        if (!image.has(image.workingDirectory())) {
            violations.add(where, "works in " + image.workingDirectory() + ", which the image does not have");
        }
        List<String> run = new ArrayList<>(image.entrypoint());
        run.addAll(image.command());
        List<Setting> arguments = new ArrayList<>();
        image.command().forEach(argument -> Setting.argument(argument).ifPresent(arguments::add));
        ContainerCheck check = new ContainerCheck(app, where, arguments, violations);
        check.runs(run, "entry point");
        Set<Integer> exposed = new TreeSet<>(image.exposed());
        Set<Integer> served = new TreeSet<>(app.ports(check.settings()));
        if (!exposed.equals(served)) {
            violations.add(where, "exposes " + exposed + ", but " + app.name() + " listens on " + served);
        }
        for (String volume : image.volumes()) {
            Image.FileEntry directory = image.files().get(volume);
            if (directory == null || !directory.directory()) {
                violations.add(where, "declares volume " + volume + ", which is no directory in the image");
            } else if (image.userId().isPresent() && !directory.writableBy(image.userId().get())) {
                violations.add(where, "declares volume " + volume + ", which user " + image.user() + " cannot write (owner "
                        + directory.owner() + ", mode " + Integer.toOctalString(directory.mode()) + ")");
            }
        }
    }
}
