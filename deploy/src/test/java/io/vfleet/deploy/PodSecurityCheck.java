package io.vfleet.deploy;

import io.vfleet.deploy.Kustomization.Manifest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Pod Security as the namespaces' admission would enforce it, and no more latitude than the pods use:
 * every namespace with workloads names its level ({@code pod-security.kubernetes.io/enforce}); a pod
 * that reaches the host (host paths, ports, network, PID or IPC, a privileged container, added
 * capabilities) runs only where the level is {@code privileged}, and a privileged namespace holds only
 * such pods; everywhere else a pod meets the {@code restricted} level: non-root, no privilege
 * escalation, every capability dropped, the runtime's seccomp profile.
 */
final class PodSecurityCheck {
    private static final Set<String> WORKLOADS = Set.of("Deployment", "DaemonSet", "StatefulSet");
    private static final String ENFORCE = "pod-security.kubernetes.io/enforce";
    private static final String PRIVILEGED = "privileged";
    private static final String RESTRICTED = "restricted";

    private PodSecurityCheck() {}

    static List<String> check(List<Manifest> manifests) {
        Violations violations = new Violations();
        Map<String, String> levels = new HashMap<>();
        manifests.stream().filter(manifest -> manifest.kind().equals("Namespace")).forEach(namespace -> levels.put(namespace.name(),
                String.valueOf(Kustomization.map(Kustomization.map(namespace.object().get("metadata")).get("labels")).get(ENFORCE))));
        Map<String, Boolean> needsHost = new HashMap<>();
        // A namespace of several workloads needs the privileged level if any of them reaches the host.
        for (Manifest workload : manifests.stream().filter(manifest -> WORKLOADS.contains(manifest.kind())).toList()) {
            String level = levels.get(workload.namespace());
            if (level == null) {
                continue;
            }
            Map<String, Object> pod = Kustomization.map(Kustomization.map(Kustomization.map(workload.object().get("spec"))
                    .get("template")).get("spec"));
            List<String> host = hostAccess(pod);
            needsHost.merge(workload.namespace(), !host.isEmpty(), Boolean::logicalOr);
            if (!host.isEmpty() && !level.equals(PRIVILEGED)) {
                violations.add(workload.where(), "reaches the host (" + String.join(", ", host) + ") in namespace "
                        + workload.namespace() + ", whose Pod Security level " + level + " refuses it");
            }
            if (host.isEmpty()) {
                restricted(workload, pod, violations);
                if (level.equals(PRIVILEGED)) {
                    violations.add(workload.where(), "runs in " + PRIVILEGED + " namespace " + workload.namespace()
                            + " without reaching the host: run it where Pod Security enforces " + RESTRICTED);
                }
            }
        }
        needsHost.forEach((namespace, needed) -> {
            String level = levels.get(namespace);
            if (level.equals("null")) {
                violations.add("namespace " + namespace, "sets no Pod Security level (" + ENFORCE + ")");
            } else if (level.equals(PRIVILEGED) && !needed) {
                violations.add("namespace " + namespace, "is " + PRIVILEGED + " but none of its pods reaches the host: enforce "
                        + RESTRICTED);
            }
        });
        return violations.list();
    }

    /** What of the host the pod reaches, which only the privileged level admits. */
    private static List<String> hostAccess(Map<String, Object> pod) {
        List<String> access = new ArrayList<>();
        for (String field : List.of("hostNetwork", "hostPID", "hostIPC")) {
            if (Boolean.TRUE.equals(pod.get(field))) {
                access.add(field);
            }
        }
        for (Object volume : Kustomization.list(pod.get("volumes"))) {
            if (Kustomization.map(volume).containsKey("hostPath")) {
                access.add("hostPath " + Kustomization.map(Kustomization.map(volume).get("hostPath")).get("path"));
            }
        }
        for (Map<String, Object> container : containers(pod)) {
            Map<String, Object> context = Kustomization.map(container.get("securityContext"));
            if (Boolean.TRUE.equals(context.get("privileged"))) {
                access.add("privileged container " + container.get("name"));
            }
            if (!Kustomization.list(Kustomization.map(context.get("capabilities")).get("add")).isEmpty()) {
                access.add("capabilities " + Kustomization.map(context.get("capabilities")).get("add"));
            }
            for (Object port : Kustomization.list(container.get("ports"))) {
                if (Kustomization.map(port).get("hostPort") != null) {
                    access.add("hostPort " + Kustomization.map(port).get("hostPort"));
                }
            }
        }
        return access;
    }

    /** The restricted level's demands of each container, from the container's or the pod's security context. */
    private static void restricted(Manifest workload, Map<String, Object> pod, Violations violations) {
        Map<String, Object> podContext = Kustomization.map(pod.get("securityContext"));
        for (Map<String, Object> container : containers(pod)) {
            String where = workload.where() + ", container " + container.get("name");
            Map<String, Object> context = Kustomization.map(container.get("securityContext"));
            Object nonRoot = context.getOrDefault("runAsNonRoot", podContext.get("runAsNonRoot"));
            Object seccomp = Kustomization.map(context.getOrDefault("seccompProfile", podContext.get("seccompProfile"))).get("type");
            if (!Boolean.TRUE.equals(nonRoot)) {
                violations.add(where, "does not set runAsNonRoot: true, which the " + RESTRICTED + " level requires");
            }
            if (!Boolean.FALSE.equals(context.get("allowPrivilegeEscalation"))) {
                violations.add(where, "does not set allowPrivilegeEscalation: false, which the " + RESTRICTED + " level requires");
            }
            if (!Kustomization.list(Kustomization.map(context.get("capabilities")).get("drop")).contains("ALL")) {
                violations.add(where, "does not drop ALL capabilities, which the " + RESTRICTED + " level requires");
            }
            if (!"RuntimeDefault".equals(seccomp) && !"Localhost".equals(seccomp)) {
                violations.add(where, "runs without a seccomp profile (RuntimeDefault), which the " + RESTRICTED + " level requires");
            }
        }
    }

    private static List<Map<String, Object>> containers(Map<String, Object> pod) {
        List<Map<String, Object>> containers = new ArrayList<>();
        for (String field : List.of("initContainers", "containers")) {
            Kustomization.list(pod.get(field)).forEach(container -> containers.add(Kustomization.map(container)));
        }
        return containers;
    }
}
