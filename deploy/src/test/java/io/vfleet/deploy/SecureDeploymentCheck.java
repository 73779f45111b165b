package io.vfleet.deploy;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * What a container of one of our apps must have in Kubernetes to run safely, beyond running at all:
 * <ul>
 *   <li>its image named by digest, the digest this build of the app made;</li>
 *   <li>TLS on every port: gRPC through {@code vfleet.tls.directory}, HTTP through {@code server.ssl.bundle},
 *       the directory mounted whole (the kubelet updates no {@code subPath} mount, and the app rereads the
 *       files to rotate) from the Secret of a cert-manager {@code Certificate} naming the app's fleet
 *       identity; HTTP probes asking with the scheme the port serves;</li>
 *   <li>an agent's certificate naming the node its pod is bound to by the node's name, and the agent
 *       told that same node;</li>
 *   <li>callers authenticated by an issuer's access tokens: never static tokens, never the local profile.</li>
 * </ul>
 */
final class SecureDeploymentCheck {
    static final String FLEET_URI = "spiffe://vfleet/";
    private static final Pattern DIGEST = Pattern.compile("@sha256:[0-9a-f]{64}$");
    private static final String LOCAL_PROFILE = "local";

    /** A pod's namespace, its spec, and its volumes by name. */
    record Pod(String namespace, Map<String, Object> spec, Map<String, Map<String, Object>> volumes) {}

    /** A container of {@code app} in its pod, with the settings it runs with (the app's own first). */
    record Container(App app, String where, List<Setting> settings, Map<String, Object> spec, Pod pod) {}

    private final Map<String, Map<String, Object>> certificates;
    private final Map<String, String> identities;
    private final Violations violations;
    private Container container;

    /**
     * @param certificates each cert-manager Certificate's spec, by the Secret it writes ({@code namespace/secretName})
     * @param identities   the fleet identity each app's certificate names, by app name (an agent's is its node's)
     */
    SecureDeploymentCheck(Map<String, Map<String, Object>> certificates, Map<String, String> identities, Violations violations) {
        this.certificates = certificates;
        this.identities = identities;
        this.violations = violations;
    }

    /** Checks {@code checked}, which runs {@code image} (as the kustomization names it). */
    void check(Container checked, String image) {
        container = checked;
        digest(image);
        authentication();
        tls(checked.pod().namespace());
    }

    private void digest(String image) {
        App app = container.app();
        if (!DIGEST.matcher(image).find()) {
            add("runs image " + image + ", not named by digest: a tag can be moved to other contents");
        } else if (app.digest().isPresent() && !image.endsWith("@" + app.digest().get())) {
            add("runs image " + image + ", but this build of " + app.name() + " made " + app.digest().get());
        }
    }

    private void authentication() {
        List<Setting> settings = container.settings();
        String profiles = App.value("spring.profiles.active", settings).orElse("");
        if (Set.of(profiles.split("\\s*,\\s*")).contains(LOCAL_PROFILE)) {
            add("runs with the profile " + LOCAL_PROFILE + ", which accepts static tokens and plaintext: the local stack's only");
        }
        for (Setting setting : settings) {
            List<String> segments = setting.segments();
            if (setting.source() != Setting.Source.BUILT_IN && segments.size() > 3
                    && segments.subList(0, 3).equals(List.of("vfleet", "security", "tokens"))) {
                add(setting.describe() + " configures a static token, which only the local stack may use: authenticate "
                        + "callers by access tokens (vfleet.security.jwt)");
                break;
            }
        }
        if (container.app().reads(new Setting(Setting.Source.CONFIG_FILE, "vfleet.security.jwt.issuer-uri", ""))) {
            boolean issuer = App.value("vfleet.security.jwt.issuer-uri", settings).filter(value -> !value.isBlank()).isPresent()
                    || App.value("vfleet.security.jwt.jwk-set-uri", settings).filter(value -> !value.isBlank()).isPresent();
            boolean audiences = App.value("vfleet.security.jwt.audiences", settings).filter(value -> !value.isBlank()).isPresent()
                    || settings.stream().anyMatch(setting -> setting.segments().size() == 5
                    && setting.segments().subList(0, 4).equals(List.of("vfleet", "security", "jwt", "audiences")));
            if (!issuer || !audiences) {
                add("names no token issuer and audience (vfleet.security.jwt.issuer-uri and audiences): "
                        + container.app().name() + " would not start, or accept tokens meant for others");
            }
        }
    }

    private void tls(String namespace) {
        App app = container.app();
        List<Setting> settings = container.settings();
        Optional<Integer> http = app.httpPort(settings);
        boolean grpc = app.servesGrpc(settings);
        if (!grpc && http.isEmpty()) {
            return;
        }
        Optional<String> directory = App.value("vfleet.tls.directory", settings).filter(value -> !value.isBlank());
        if (directory.isEmpty()) {
            add("serves " + (grpc ? "gRPC on " + app.grpcPort(settings).orElseThrow() : "HTTP") + " without a TLS identity "
                    + "(vfleet.tls.directory)");
        } else {
            identity(namespace, directory.get());
        }
        boolean httpsServed = App.value("server.ssl.bundle", settings).filter(value -> !value.isBlank()).isPresent();
        if (http.isPresent() && !httpsServed) {
            add("serves HTTP on " + http.get() + " without TLS: set server.ssl.bundle=vfleet to serve its TLS identity");
        }
        Optional<Integer> management = app.managementPort(settings);
        if (management.isPresent() && !management.equals(http)
                && App.value("management.server.ssl.bundle", settings).filter(value -> !value.isBlank()).isEmpty()) {
            add("serves the actuator on " + management.get() + " without TLS: set management.server.ssl.bundle=vfleet");
        }
        for (String kind : List.of("startupProbe", "livenessProbe", "readinessProbe")) {
            Map<String, Object> get = Kustomization.map(Kustomization.map(container.spec().get(kind)).get("httpGet"));
            if (!get.isEmpty()) {
                String scheme = String.valueOf(get.getOrDefault("scheme", "HTTP"));
                String served = httpsServed ? "HTTPS" : "HTTP";
                if (!scheme.equals(served)) {
                    add(kind + " asks with scheme " + scheme + ", but the port serves " + served);
                }
            }
        }
    }

    /** The TLS directory is a cert-manager certificate's Secret, mounted whole, naming the app's identity. */
    private void identity(String namespace, String directory) {
        Optional<Map<String, Object>> mount = Kustomization.list(container.spec().get("volumeMounts")).stream()
                .map(Kustomization::map).filter(candidate -> Path.of(String.valueOf(candidate.get("mountPath"))).equals(Path.of(directory)))
                .findFirst();
        if (mount.isEmpty()) {
            add("reads its TLS identity from " + directory + ", where nothing is mounted");
            return;
        }
        if (mount.get().get("subPath") != null || mount.get().get("subPathExpr") != null) {
            add("mounts its TLS identity at " + directory + " by subPath, which the kubelet never updates: a renewed "
                    + "certificate would not reach the process");
        }
        Map<String, Object> volume = container.pod().volumes().getOrDefault(String.valueOf(mount.get().get("name")), Map.of());
        String secret = String.valueOf(Kustomization.map(volume.get("secret")).get("secretName"));
        Map<String, Object> certificate = certificates.get(namespace + "/" + secret);
        if (certificate == null) {
            add("reads its TLS identity from " + directory + ", which is not the Secret of a cert-manager Certificate "
                    + "in namespace " + namespace);
            return;
        }
        if (certificate.get("commonName") == null && Kustomization.map(certificate.get("subject")).isEmpty()
                && certificate.get("literalSubject") == null) {
            add("presents the certificate of Secret " + secret + ", which has an empty subject: the JDK refuses it unless "
                    + "the issuer marks its subject alternative names critical; give it a commonName");
        }
        List<String> uris = Kustomization.list(certificate.get("uris")).stream().map(String::valueOf)
                .filter(uri -> uri.startsWith(FLEET_URI)).toList();
        Optional<String> expected = agent() ? node().map(node -> FLEET_URI + "node/" + node)
                : Optional.ofNullable(identities.get(container.app().name()));
        if (expected.isPresent() && !uris.equals(List.of(expected.get()))) {
            add("presents the certificate of Secret " + secret + ", which names " + uris + ", but " + container.app().name()
                    + " must be known as exactly " + expected.get());
        }
    }

    private boolean agent() {
        return container.app().reads(new Setting(Setting.Source.CONFIG_FILE, "vfleet.agent.hostname", ""));
    }

    /**
     * The one node an agent's pod is bound to, by a required node affinity on the node's name
     * ({@code matchFields metadata.name In [name]}): a node cannot rename itself, while it may set its
     * own labels. And the agent must be told that node's name.
     */
    private Optional<String> node() {
        Map<String, Object> affinity = Kustomization.map(Kustomization.map(container.pod().spec().get("affinity")).get("nodeAffinity"));
        List<?> terms = Kustomization.list(Kustomization.map(affinity.get("requiredDuringSchedulingIgnoredDuringExecution"))
                .get("nodeSelectorTerms"));
        Optional<String> node = Optional.empty();
        if (terms.size() == 1) {
            List<?> fields = Kustomization.list(Kustomization.map(terms.getFirst()).get("matchFields"));
            if (fields.size() == 1) {
                Map<String, Object> field = Kustomization.map(fields.getFirst());
                List<?> values = Kustomization.list(field.get("values"));
                if ("metadata.name".equals(field.get("key")) && "In".equals(field.get("operator")) && values.size() == 1) {
                    node = Optional.of(String.valueOf(values.getFirst()));
                }
            }
        }
        if (node.isEmpty()) {
            add("is not bound to one node by name (a required node affinity, matchFields metadata.name In [node]), so "
                    + "no certificate can name the node it runs on");
            return node;
        }
        String name = node.get();
        boolean told = Kustomization.list(container.spec().get("env")).stream().map(Kustomization::map)
                .filter(variable -> Setting.environment(String.valueOf(variable.get("name")), "").segments()
                        .equals(List.of("vfleet", "agent", "hostname")))
                .anyMatch(variable -> "spec.nodeName".equals(Kustomization.map(Kustomization.map(variable.get("valueFrom"))
                        .get("fieldRef")).get("fieldPath")) || name.equals(variable.get("value")));
        if (!told) {
            add("does not tell the agent its node (VFLEET_AGENT_HOSTNAME from spec.nodeName), which its certificate must name");
        }
        return node;
    }

    private void add(String what) {
        violations.add(container.where(), what);
    }
}
