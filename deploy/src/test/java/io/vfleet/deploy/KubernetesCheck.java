package io.vfleet.deploy;

import io.vfleet.deploy.Kustomization.Manifest;
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
import java.util.TreeSet;

/**
 * Checks a directory of Kubernetes manifests against the apps, starting from its kustomization.yaml:
 * every manifest is listed and every listed one exists; workloads run images of our apps, by the
 * digest each app's build made, with settings those apps read (environment, {@code envFrom},
 * arguments, Spring configuration files mounted from ConfigMaps, and Secret files below a
 * {@code configtree:} import), ports and probes they serve, requests and limits; mounts name volumes
 * the pod has; ConfigMap and Secret references name objects and keys that exist in the pod's
 * namespace; Services select pods and target ports they have; a workload of more than one replica has
 * a PodDisruptionBudget that keeps one through a voluntary disruption and still lets a node drain, and
 * every budget selects pods.
 *
 * <p>And what makes the deployment safe ({@link SecureDeploymentCheck}): no Secret value is shipped
 * or put in the environment, every gRPC and HTTP port serves TLS from a cert-manager certificate that
 * names the process's fleet identity (an agent's names the one node its pod is bound to), callers are
 * authenticated by access tokens (never static tokens, never the local profile), every pod is behind
 * NetworkPolicies that deny by default ({@link NetworkPolicyCheck}), and only pods that reach the host
 * run where Pod Security admits it ({@link PodSecurityCheck}). Built-in kinds are read with
 * Kubernetes' own object model first ({@link KubernetesSchema}).
 */
final class KubernetesCheck {
    private static final Set<String> WORKLOADS = Set.of("Deployment", "DaemonSet", "StatefulSet");
    private static final Set<String> FIELD_PATHS = Set.of("metadata.name", "metadata.namespace", "metadata.uid",
            "spec.nodeName", "spec.serviceAccountName", "status.hostIP", "status.podIP", "status.podIPs");
    private static final List<String> PROBES = List.of("startupProbe", "livenessProbe", "readinessProbe");

    private final Path directory;
    private final Apps apps;
    private final Map<String, String> identities;
    private final Violations violations = new Violations();
    private final List<Manifest> manifests = new ArrayList<>();
    private final Map<String, Map<String, Object>> configMaps = new HashMap<>();
    private final Map<String, Set<String>> secrets = new HashMap<>();
    private final Map<String, Map<String, Object>> certificates = new HashMap<>();
    private Kustomization kustomization;
    /** The namespace of the workload being checked, where its references are looked up. */
    private String namespace = "";

    private KubernetesCheck(Path directory, Apps apps, Map<String, String> identities) {
        this.directory = directory;
        this.apps = apps;
        this.identities = identities;
    }

    /**
     * The violations of the kustomization in {@code directory}; {@code identities} is the fleet identity
     * each app's certificate must name, by app name (an agent's is its node's, whatever the table says).
     */
    static List<String> check(Path directory, Apps apps, Map<String, String> identities) {
        KubernetesCheck check = new KubernetesCheck(directory, apps, identities);
        check.run();
        return check.violations.list();
    }

    private void run() {
        if (!Files.exists(directory.resolve("kustomization.yaml"))) {
            violations.add(directory.toString(), "has no kustomization.yaml");
            return;
        }
        kustomization = Kustomization.read(directory, violations);
        manifests.addAll(kustomization.manifests());
        violations.addAll(KubernetesSchema.check(manifests));
        namespaces();
        for (Manifest manifest : manifests) {
            Map<String, Object> object = manifest.object();
            switch (manifest.kind()) {
                case "ConfigMap" -> {
                    Map<String, Object> data = new LinkedHashMap<>(map(object.get("data")));
                    map(object.get("binaryData")).keySet().forEach(key -> data.put(key, ""));
                    configMaps.put(manifest.key(), data);
                }
                case "Secret" -> {
                    Set<String> keys = new HashSet<>(map(object.get("data")).keySet());
                    keys.addAll(map(object.get("stringData")).keySet());
                    secrets.put(manifest.key(), keys);
                    if (!keys.isEmpty()) {
                        violations.add(manifest.where(), "ships values for " + new TreeSet<>(keys) + " in the manifests; "
                                + "generate the Secret from files the operator writes (secretGenerator) or from a secret store");
                    }
                }
                case "Certificate" -> {
                    String secret = manifest.namespace() + "/" + map(object.get("spec")).get("secretName");
                    secrets.put(secret, Set.of("tls.crt", "tls.key", "ca.crt"));
                    certificates.put(secret, map(object.get("spec")));
                }
                default -> { }
            }
        }
        kustomization.generatedSecrets().forEach(secret -> secrets.put(secret.namespace() + "/" + secret.name(), secret.keys()));
        manifests.stream().filter(manifest -> WORKLOADS.contains(manifest.kind())).forEach(this::workload);
        manifests.stream().filter(manifest -> manifest.kind().equals("Service")).forEach(this::service);
        disruptionBudgets();
        violations.addAll(NetworkPolicyCheck.check(manifests));
        violations.addAll(PodSecurityCheck.check(manifests));
    }

    /**
     * A Deployment or StatefulSet that runs several replicas so that one serves while another is away
     * needs a PodDisruptionBudget to keep it so through drains and upgrades; one that forbids every
     * eviction would block the drains instead. A budget that selects no workload's pods protects nothing.
     */
    private void disruptionBudgets() {
        List<Manifest> budgets = manifests.stream().filter(manifest -> manifest.kind().equals("PodDisruptionBudget")).toList();
        for (Manifest workload : manifests) {
            if (!Set.of("Deployment", "StatefulSet").contains(workload.kind())) {
                continue;
            }
            Map<String, Object> spec = map(workload.object().get("spec"));
            int replicas = spec.get("replicas") instanceof Number number ? number.intValue() : 1;
            if (replicas < 2) {
                continue;
            }
            Map<String, Object> labels = map(map(map(spec.get("template")).get("metadata")).get("labels"));
            List<Manifest> covering = budgets.stream()
                    .filter(budget -> budget.namespace().equals(workload.namespace()) && selects(budget, labels)).toList();
            if (covering.isEmpty()) {
                violations.add(workload.where(), "runs " + replicas
                        + " replicas but no PodDisruptionBudget keeps one of them through a voluntary disruption");
            }
            for (Manifest budget : covering) {
                Map<String, Object> budgetSpec = map(budget.object().get("spec"));
                Object minAvailable = budgetSpec.get("minAvailable");
                Object maxUnavailable = budgetSpec.get("maxUnavailable");
                if ((minAvailable instanceof Number least && least.intValue() >= replicas)
                        || (maxUnavailable instanceof Number most && most.intValue() == 0)) {
                    violations.add(budget.where(), "allows no eviction of the " + replicas + " replicas of "
                            + workload.where() + ": no node could drain");
                } else if ((minAvailable instanceof Number least && least.intValue() < 1)
                        || (maxUnavailable instanceof Number most && most.intValue() >= replicas)) {
                    violations.add(budget.where(), "lets every replica of " + workload.where() + " go at once");
                }
            }
        }
        sharedClaims();
        for (Manifest budget : budgets) {
            boolean selectsSome = manifests.stream()
                    .filter(candidate -> WORKLOADS.contains(candidate.kind()) && candidate.namespace().equals(budget.namespace()))
                    .anyMatch(workload -> selects(budget, map(map(map(map(workload.object().get("spec")).get("template"))
                            .get("metadata")).get("labels"))));
            if (!selectsSome) {
                violations.add(budget.where(), "selects no pods "
                        + map(map(map(budget.object().get("spec")).get("selector")).get("matchLabels")));
            }
        }
    }

    /**
     * The replicas of a Deployment all mount the same claim, and run on different nodes where they can;
     * a ReadWriteOnce volume attaches to one node only, so every replica but the first would wait for it.
     */
    private void sharedClaims() {
        for (Manifest workload : manifests.stream().filter(manifest -> manifest.kind().equals("Deployment")).toList()) {
            Map<String, Object> spec = map(workload.object().get("spec"));
            int replicas = spec.get("replicas") instanceof Number number ? number.intValue() : 1;
            for (Object volume : list(map(map(spec.get("template")).get("spec")).get("volumes"))) {
                Object claim = map(map(volume).get("persistentVolumeClaim")).get("claimName");
                manifests.stream().filter(manifest -> manifest.kind().equals("PersistentVolumeClaim")
                                && manifest.namespace().equals(workload.namespace()) && manifest.name().equals(String.valueOf(claim)))
                        .findFirst().ifPresent(pvc -> {
                            List<?> modes = list(map(pvc.object().get("spec")).get("accessModes"));
                            if (replicas > 1 && !modes.contains("ReadWriteMany") && !modes.contains("ReadOnlyMany")) {
                                violations.add(workload.where(), "runs " + replicas + " replicas on claim " + claim + " of access modes "
                                        + modes + ", which attaches to one node only: make it ReadWriteMany");
                            }
                        });
            }
        }
    }

    private static boolean selects(Manifest budget, Map<String, Object> podLabels) {
        Map<String, Object> selector = map(map(map(budget.object().get("spec")).get("selector")).get("matchLabels"));
        return !selector.isEmpty() && podLabels.entrySet().containsAll(selector.entrySet());
    }

    /**
     * Every namespaced object lands in a namespace, and every workload in one a manifest creates (the
     * cert-manager namespace, where the root certificate lives, is cert-manager's own).
     */
    private void namespaces() {
        Set<String> created = new HashSet<>();
        manifests.stream().filter(manifest -> manifest.kind().equals("Namespace")).forEach(manifest -> created.add(manifest.name()));
        for (Manifest manifest : manifests) {
            if (Kustomization.namespaced(manifest.kind()) && manifest.namespace().isEmpty()) {
                violations.add(manifest.where(), "names no namespace, and kustomization.yaml sets none");
            } else if (WORKLOADS.contains(manifest.kind()) && !created.contains(manifest.namespace())) {
                violations.add(manifest.where(), "runs in namespace " + manifest.namespace() + ", which no manifest creates");
            }
        }
    }

    private void workload(Manifest manifest) {
        Map<String, Object> spec = map(manifest.object().get("spec"));
        Map<String, Object> template = map(spec.get("template"));
        Map<String, Object> labels = map(map(template.get("metadata")).get("labels"));
        Map<String, Object> selector = map(map(spec.get("selector")).get("matchLabels"));
        if (selector.isEmpty() || !labels.entrySet().containsAll(selector.entrySet())) {
            violations.add(manifest.where(), "selector " + selector + " does not select its own pods " + labels);
        }
        namespace = manifest.namespace();
        Map<String, Object> pod = map(template.get("spec"));
        Map<String, Map<String, Object>> volumes = new HashMap<>();
        for (Object volume : list(pod.get("volumes"))) {
            volumes.put(String.valueOf(map(volume).get("name")), map(volume));
            volumeSource(manifest.where(), map(volume));
        }
        for (Object container : list(pod.get("containers"))) {
            container(manifest, pod, map(container), volumes);
        }
    }

    private void volumeSource(String where, Map<String, Object> volume) {
        Map<String, Object> configMap = map(volume.get("configMap"));
        Map<String, Object> secret = map(volume.get("secret"));
        if (!configMap.isEmpty()) {
            String name = String.valueOf(configMap.get("name"));
            Set<String> keys = configMaps.containsKey(in(name)) ? configMaps.get(in(name)).keySet() : null;
            items(where, "ConfigMap " + name, keys, configMap.get("items"));
        }
        if (!secret.isEmpty()) {
            String name = String.valueOf(secret.get("secretName"));
            items(where, "Secret " + name, secrets.get(in(name)), secret.get("items"));
        }
    }

    private void items(String where, String source, Set<String> keys, Object items) {
        if (keys == null) {
            violations.add(where, "mounts " + source + ", which no manifest defines in namespace " + namespace);
            return;
        }
        for (Object item : list(items)) {
            String key = String.valueOf(map(item).get("key"));
            if (!keys.contains(key)) {
                violations.add(where, "mounts key " + key + " of " + source + ", which has only " + keys);
            }
        }
    }

    private void container(Manifest manifest, Map<String, Object> pod, Map<String, Object> container,
                           Map<String, Map<String, Object>> volumes) {
        String where = manifest.where() + ", container " + container.get("name");
        Map<String, Object> resources = map(container.get("resources"));
        for (String required : List.of("requests.cpu", "requests.memory", "limits.memory")) {
            String[] path = required.split("\\.", -1);
            if (map(resources.get(path[0])).get(path[1]) == null) {
                violations.add(where, "sets no resources." + required);
            }
        }
        Set<String> mounts = new HashSet<>();
        List<Setting> configFiles = new ArrayList<>();
        for (Object mountObject : list(container.get("volumeMounts"))) {
            Map<String, Object> mount = map(mountObject);
            String name = String.valueOf(mount.get("name"));
            mounts.add(String.valueOf(mount.get("mountPath")));
            if (!volumes.containsKey(name)) {
                violations.add(where, "mounts volume " + name + ", which the pod does not define");
            }
        }
        Map<String, Integer> namedPorts = new HashMap<>();
        List<Integer> containerPorts = new ArrayList<>();
        for (Object portObject : list(container.get("ports"))) {
            Map<String, Object> port = map(portObject);
            int number = ((Number) port.get("containerPort")).intValue();
            containerPorts.add(number);
            if (port.get("name") != null) {
                namedPorts.put(String.valueOf(port.get("name")), number);
            }
        }
        String image = kustomization.image(String.valueOf(container.get("image")));
        Optional<App> app = ImageName.app(image, apps, where, violations);
        if (app.isEmpty()) {
            return;
        }
        String workingDirectory = container.get("workingDir") != null ? String.valueOf(container.get("workingDir"))
                : app.get().image().workingDirectory();
        for (Object mountObject : list(container.get("volumeMounts"))) {
            configFiles.addAll(configurationFiles(where, map(mountObject), volumes, workingDirectory));
        }
        List<Setting> settings = new ArrayList<>(configFiles);
        Set<String> expanded = expansions(container);
        environment(where, container).stream()
                .filter(setting -> app.get().reads(setting) || !expanded.contains(setting.name())).forEach(settings::add);
        List<String> arguments = container.containsKey("args") ? list(container.get("args")).stream().map(String::valueOf).toList()
                : container.containsKey("command") ? List.of() : app.get().image().command();
        arguments.forEach(argument -> Setting.argument(argument).ifPresent(settings::add));
        settings.addAll(0, configTree(container, volumes, App.value("spring.config.import", app.get().with(settings)).orElse("")));
        ContainerCheck check = new ContainerCheck(app.get(), where, settings, violations);
        new SecureDeploymentCheck(certificates, identities, violations).check(new SecureDeploymentCheck.Container(app.get(), where,
                check.settings(), container, new SecureDeploymentCheck.Pod(manifest.namespace(), pod, volumes)), image);
        containerPorts.forEach(port -> check.containerPort(port, "containerPort"));
        for (String kind : List.of("livenessProbe", "readinessProbe")) {
            if (!container.containsKey(kind)) {
                violations.add(where, "has no " + kind);
            }
        }
        for (String kind : PROBES) {
            if (container.get(kind) != null) {
                List<String> exec = list(map(map(container.get(kind)).get("exec")).get("command")).stream().map(String::valueOf).toList();
                if (!exec.isEmpty()) {
                    check.runs(exec, kind);
                }
                probe(map(container.get(kind)), namedPorts, where).ifPresent(probe -> check.probe(probe, kind));
            }
        }
        check.topologyMounted(mounts);
    }

    /** Spring configuration files a mount brings into the working directory or its config/ directory. */
    private List<Setting> configurationFiles(String where, Map<String, Object> mount, Map<String, Map<String, Object>> volumes,
                                             String workingDirectory) {
        Map<String, Object> volume = volumes.getOrDefault(String.valueOf(mount.get("name")), Map.of());
        Map<String, Object> configMap = map(volume.get("configMap"));
        if (configMap.isEmpty() || !configMaps.containsKey(in(String.valueOf(configMap.get("name"))))) {
            return List.of();
        }
        Map<String, Object> data = configMaps.get(in(String.valueOf(configMap.get("name"))));
        Map<String, String> files = new LinkedHashMap<>();
        if (configMap.containsKey("items")) {
            for (Object item : list(configMap.get("items"))) {
                files.put(String.valueOf(map(item).get("path")), String.valueOf(map(item).get("key")));
            }
        } else {
            data.keySet().forEach(key -> files.put(key, key));
        }
        String mountPath = String.valueOf(mount.get("mountPath"));
        String subPath = mount.get("subPath") == null ? null : String.valueOf(mount.get("subPath"));
        List<Setting> settings = new ArrayList<>();
        files.forEach((path, key) -> {
            if (subPath != null && !subPath.equals(path)) {
                return;
            }
            Path inContainer = subPath != null ? Path.of(mountPath) : Path.of(mountPath, path);
            String fileName = inContainer.getFileName().toString();
            if (!fileName.endsWith(".properties") && !fileName.endsWith(".yaml") && !fileName.endsWith(".yml")) {
                return;
            }
            Path parent = inContainer.getParent();
            boolean read = fileName.matches("application\\.(properties|ya?ml)")
                    && (parent.equals(Path.of(workingDirectory)) || parent.equals(Path.of(workingDirectory, "config")));
            if (!read) {
                violations.add(where, "mounts " + inContainer + " (key " + key + "), which Spring Boot does not read: it reads "
                        + workingDirectory + "/config/application.properties");
                return;
            }
            settings.addAll(ConfigurationFiles.read(fileName, String.valueOf(data.get(key)), Setting.Source.CONFIG_FILE));
        });
        return settings;
    }

    /**
     * Variables the container expands into others ({@code $(NODE_IP):9090}, a {@code subPathExpr}):
     * Kubernetes uses them, so one the app does not read is no mistake.
     */
    private static Set<String> expansions(Map<String, Object> container) {
        Set<String> names = new HashSet<>();
        java.util.regex.Matcher matcher = java.util.regex.Pattern.compile("\\$\\(([A-Za-z_][A-Za-z0-9_]*)\\)")
                .matcher(String.valueOf(container.get("env")) + container.get("args") + container.get("volumeMounts"));
        while (matcher.find()) {
            names.add(matcher.group(1));
        }
        return names;
    }

    /**
     * Files mounted at or below a {@code configtree:} directory of {@code spring.config.import}: each is a
     * setting named by its path below the directory, dots for slashes. A mounted Secret or ConfigMap
     * brings its items' paths, or else its keys.
     */
    private List<Setting> configTree(Map<String, Object> container, Map<String, Map<String, Object>> volumes, String imports) {
        List<Setting> settings = new ArrayList<>();
        for (String location : imports.split(",", -1)) {
            String directory = location.strip().replaceFirst("^optional:", "");
            if (!directory.startsWith("configtree:")) {
                continue;
            }
            Path root = Path.of(directory.substring("configtree:".length()));
            for (Object mountObject : list(container.get("volumeMounts"))) {
                Map<String, Object> mount = map(mountObject);
                Path path = Path.of(String.valueOf(mount.get("mountPath")));
                if (!path.startsWith(root)) {
                    continue;
                }
                List<Path> files = mount.get("subPath") != null || mount.get("subPathExpr") != null ? List.of(path)
                        : filesOf(volumes.getOrDefault(String.valueOf(mount.get("name")), Map.of())).stream().map(path::resolve).toList();
                for (Path file : files) {
                    if (!file.equals(root)) {
                        settings.add(new Setting(Setting.Source.CONFIG_FILE, root.relativize(file).toString().replace('/', '.'), ""));
                    }
                }
            }
        }
        return settings;
    }

    /** The files a Secret or ConfigMap volume holds: its items' paths, or else its keys. */
    private List<String> filesOf(Map<String, Object> volume) {
        Map<String, Object> source = !map(volume.get("secret")).isEmpty() ? map(volume.get("secret")) : map(volume.get("configMap"));
        if (source.containsKey("items")) {
            return list(source.get("items")).stream().map(item -> String.valueOf(map(item).get("path"))).toList();
        }
        Set<String> keys = !map(volume.get("secret")).isEmpty() ? secrets.get(in(String.valueOf(source.get("secretName"))))
                : configMaps.containsKey(in(String.valueOf(source.get("name")))) ? configMaps.get(in(String.valueOf(source.get("name")))).keySet()
                : null;
        return keys == null ? List.of() : List.copyOf(new TreeSet<>(keys));
    }

    /** envFrom, then env, which wins over it. */
    private List<Setting> environment(String where, Map<String, Object> container) {
        List<Setting> settings = new ArrayList<>();
        for (Object fromObject : list(container.get("envFrom"))) {
            Map<String, Object> from = map(fromObject);
            String configMap = String.valueOf(map(from.get("configMapRef")).getOrDefault("name", ""));
            String secret = String.valueOf(map(from.get("secretRef")).getOrDefault("name", ""));
            if (!configMap.isEmpty()) {
                if (!configMaps.containsKey(in(configMap))) {
                    violations.add(where, "takes its environment from ConfigMap " + configMap + ", which no manifest defines");
                } else {
                    configMaps.get(in(configMap)).forEach((key, value) -> settings.add(Setting.environment(key, String.valueOf(value))));
                }
            }
            if (!secret.isEmpty()) {
                violations.add(where, "takes its environment from Secret " + secret + ": a Secret is mounted as files, "
                        + "never put in the environment, where every child process and crash report sees it");
                if (!secrets.containsKey(in(secret))) {
                    violations.add(where, "takes its environment from Secret " + secret + ", which no manifest defines");
                } else {
                    secrets.get(in(secret)).forEach(key -> settings.add(Setting.environment(key, "")));
                }
            }
        }
        for (Object variableObject : list(container.get("env"))) {
            Map<String, Object> variable = map(variableObject);
            String name = String.valueOf(variable.get("name"));
            Map<String, Object> valueFrom = map(variable.get("valueFrom"));
            String value = String.valueOf(variable.getOrDefault("value", ""));
            if (!map(valueFrom.get("secretKeyRef")).isEmpty()) {
                violations.add(where, name + " takes Secret " + map(valueFrom.get("secretKeyRef")).get("name")
                        + " into the environment: a Secret is mounted as files, never put in the environment, where every "
                        + "child process and crash report sees it");
            }
            reference(where, name, "Secret", map(valueFrom.get("secretKeyRef")), secrets);
            Map<String, Set<String>> configMapKeys = new HashMap<>();
            configMaps.forEach((mapName, data) -> configMapKeys.put(mapName, data.keySet()));
            reference(where, name, "ConfigMap", map(valueFrom.get("configMapKeyRef")), configMapKeys);
            Object fieldPath = map(valueFrom.get("fieldRef")).get("fieldPath");
            if (fieldPath != null && !FIELD_PATHS.contains(String.valueOf(fieldPath))) {
                violations.add(where, name + " takes field " + fieldPath + ", which the downward API does not offer");
            }
            settings.add(Setting.environment(name, value));
        }
        return settings;
    }

    private void reference(String where, String variable, String kind, Map<String, Object> reference, Map<String, Set<String>> objects) {
        if (reference.isEmpty()) {
            return;
        }
        String name = String.valueOf(reference.get("name"));
        String key = String.valueOf(reference.get("key"));
        if (!objects.containsKey(in(name))) {
            violations.add(where, variable + " refers to " + kind + " " + name + ", which no manifest defines");
        } else if (!objects.get(in(name)).contains(key)) {
            violations.add(where, variable + " refers to key " + key + " of " + kind + " " + name + ", which has only "
                    + objects.get(in(name)));
        }
    }

    /** {@code name} in the namespace of the workload being checked, as the objects are kept. */
    private String in(String name) {
        return namespace + "/" + name;
    }

    private Optional<Probe> probe(Map<String, Object> probe, Map<String, Integer> namedPorts, String where) {
        Map<String, Object> http = map(probe.get("httpGet"));
        Map<String, Object> tcp = map(probe.get("tcpSocket"));
        Map<String, Object> grpc = map(probe.get("grpc"));
        Map<String, Object> exec = map(probe.get("exec"));
        if (!http.isEmpty()) {
            return port(http.get("port"), namedPorts, where).map(port -> new Probe(Probe.Kind.HTTP, port, String.valueOf(http.get("path"))));
        }
        if (!tcp.isEmpty()) {
            return port(tcp.get("port"), namedPorts, where).map(port -> new Probe(Probe.Kind.TCP, port, ""));
        }
        if (!grpc.isEmpty()) {
            return Optional.of(new Probe(Probe.Kind.GRPC, ((Number) grpc.get("port")).intValue(), ""));
        }
        return Probe.ofCommand(list(exec.get("command")).stream().map(String::valueOf).toList());
    }

    private Optional<Integer> port(Object port, Map<String, Integer> namedPorts, String where) {
        if (port instanceof Number number) {
            return Optional.of(number.intValue());
        }
        if (!namedPorts.containsKey(String.valueOf(port))) {
            violations.add(where, "probes port " + port + ", which the container does not name");
            return Optional.empty();
        }
        return Optional.of(namedPorts.get(String.valueOf(port)));
    }

    private void service(Manifest manifest) {
        Map<String, Object> spec = map(manifest.object().get("spec"));
        Map<String, Object> selector = map(spec.get("selector"));
        List<Map<String, Object>> containers = new ArrayList<>();
        for (Manifest workload : manifests.stream()
                .filter(candidate -> WORKLOADS.contains(candidate.kind()) && candidate.namespace().equals(manifest.namespace())).toList()) {
            Map<String, Object> template = map(map(workload.object().get("spec")).get("template"));
            if (!selector.isEmpty() && map(map(template.get("metadata")).get("labels")).entrySet().containsAll(selector.entrySet())) {
                list(map(template.get("spec")).get("containers")).forEach(container -> containers.add(map(container)));
            }
        }
        if (containers.isEmpty()) {
            violations.add(manifest.where(), "selector " + selector + " selects no pods");
            return;
        }
        Set<Object> targets = new HashSet<>();
        for (Map<String, Object> container : containers) {
            for (Object port : list(container.get("ports"))) {
                targets.add(((Number) map(port).get("containerPort")).intValue());
                if (map(port).get("name") != null) {
                    targets.add(String.valueOf(map(port).get("name")));
                }
            }
        }
        for (Object portObject : list(spec.get("ports"))) {
            Map<String, Object> port = map(portObject);
            Object target = port.getOrDefault("targetPort", port.get("port"));
            Object comparable = target instanceof Number number ? (Object) number.intValue() : String.valueOf(target);
            if (!targets.contains(comparable)) {
                violations.add(manifest.where(), "targets port " + target + ", which its pods do not have " + targets);
            }
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object value) {
        return value instanceof Map<?, ?> map ? (Map<String, Object>) map : Map.of();
    }

    private static List<?> list(Object value) {
        return value instanceof List<?> list ? list : List.of();
    }
}
