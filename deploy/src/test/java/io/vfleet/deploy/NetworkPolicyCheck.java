package io.vfleet.deploy;

import io.vfleet.deploy.Kustomization.Manifest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Every workload's pods are behind NetworkPolicies: their namespace denies all traffic in and out by
 * default (a policy selecting every pod, for both directions, allowing nothing), a policy of their own
 * opens what they serve and call, and what it opens are ports the pods have. A policy selecting no
 * pod protects nothing and is a mistake.
 */
final class NetworkPolicyCheck {
    private static final Set<String> WORKLOADS = Set.of("Deployment", "DaemonSet", "StatefulSet");

    private NetworkPolicyCheck() {}

    static List<String> check(List<Manifest> manifests) {
        Violations violations = new Violations();
        List<Manifest> policies = manifests.stream().filter(manifest -> manifest.kind().equals("NetworkPolicy")).toList();
        List<Manifest> workloads = manifests.stream().filter(manifest -> WORKLOADS.contains(manifest.kind())).toList();
        Set<String> denying = new HashSet<>();
        for (Manifest policy : policies) {
            Map<String, Object> spec = Kustomization.map(policy.object().get("spec"));
            if (selector(spec).isEmpty() && types(spec).containsAll(Set.of("Ingress", "Egress"))
                    && Kustomization.list(spec.get("ingress")).isEmpty() && Kustomization.list(spec.get("egress")).isEmpty()) {
                denying.add(policy.namespace());
            }
        }
        Set<String> namespaces = new TreeSet<>();
        workloads.forEach(workload -> namespaces.add(workload.namespace()));
        for (String namespace : namespaces) {
            if (!denying.contains(namespace)) {
                violations.add("namespace " + namespace, "has no NetworkPolicy denying all ingress and egress by default "
                        + "(podSelector {}, policyTypes Ingress and Egress, no rules)");
            }
        }
        for (Manifest workload : workloads) {
            Map<String, Object> labels = podLabels(workload);
            List<Manifest> own = policies.stream().filter(policy -> policy.namespace().equals(workload.namespace()))
                    .filter(policy -> !selector(spec(policy)).isEmpty() && selects(selector(spec(policy)), labels)).toList();
            if (own.isEmpty()) {
                violations.add(workload.where(), "has no NetworkPolicy of its own selecting its pods " + labels
                        + ": what it serves and calls is not written down, and the namespace's default denies it all");
            }
            Set<Object> ports = ports(workload);
            for (Manifest policy : own) {
                for (Object rule : Kustomization.list(spec(policy).get("ingress"))) {
                    for (Object port : Kustomization.list(Kustomization.map(rule).get("ports"))) {
                        Object number = Kustomization.map(port).get("port");
                        Object comparable = number instanceof Number n ? (Object) n.intValue() : String.valueOf(number);
                        if (number != null && !ports.contains(comparable)) {
                            violations.add(policy.where(), "admits traffic to port " + number + ", which the pods of "
                                    + workload.where() + " do not have " + ports);
                        }
                    }
                }
            }
        }
        for (Manifest policy : policies) {
            Map<String, Object> selector = selector(spec(policy));
            boolean selectsSome = selector.isEmpty() || workloads.stream()
                    .anyMatch(workload -> workload.namespace().equals(policy.namespace()) && selects(selector, podLabels(workload)));
            if (!selectsSome) {
                violations.add(policy.where(), "selects no pods " + selector);
            }
        }
        return violations.list();
    }

    /**
     * Every flow the policies allow, one line each, {@code from -> to:port/protocol}: an end is a workload
     * ({@code namespace/name}) when the policy's selectors pick workloads of the manifests, otherwise the
     * selectors themselves ({@code namespaces{...} pods{...}}, an address block); a policy selecting every
     * pod of its namespace is {@code namespace/*}.
     */
    static Set<String> flows(List<Manifest> manifests) {
        Map<String, Map<String, Object>> namespaces = new HashMap<>();
        manifests.stream().filter(manifest -> manifest.kind().equals("Namespace")).forEach(namespace -> {
            Map<String, Object> labels = new HashMap<>(Kustomization.map(Kustomization.map(namespace.object().get("metadata")).get("labels")));
            labels.put("kubernetes.io/metadata.name", namespace.name());
            namespaces.put(namespace.name(), labels);
        });
        List<Manifest> workloads = manifests.stream().filter(manifest -> WORKLOADS.contains(manifest.kind())).toList();
        Set<String> flows = new TreeSet<>();
        for (Manifest policy : manifests.stream().filter(manifest -> manifest.kind().equals("NetworkPolicy")).toList()) {
            Map<String, Object> selector = selector(spec(policy));
            List<String> selected = selector.isEmpty() ? List.of(policy.namespace() + "/*") : workloads.stream()
                    .filter(workload -> workload.namespace().equals(policy.namespace()) && selects(selector, podLabels(workload)))
                    .map(workload -> workload.namespace() + "/" + workload.name()).toList();
            for (String direction : List.of("ingress", "egress")) {
                for (Object ruleObject : Kustomization.list(spec(policy).get(direction))) {
                    Map<String, Object> rule = Kustomization.map(ruleObject);
                    List<String> peers = new ArrayList<>();
                    List<?> peerList = Kustomization.list(rule.get(direction.equals("ingress") ? "from" : "to"));
                    if (peerList.isEmpty()) {
                        peers.add("anywhere");
                    }
                    peerList.forEach(peer -> peers.addAll(peer(Kustomization.map(peer), policy.namespace(), namespaces, workloads)));
                    List<?> portList = Kustomization.list(rule.get("ports"));
                    List<String> ports = portList.isEmpty() ? List.of("*") : portList.stream().map(Kustomization::map)
                            .map(port -> port.get("port") + "/" + port.getOrDefault("protocol", "TCP")).toList();
                    for (String end : selected) {
                        for (String peer : peers) {
                            for (String port : ports) {
                                flows.add(direction.equals("ingress") ? peer + " -> " + end + ":" + port : end + " -> " + peer + ":" + port);
                            }
                        }
                    }
                }
            }
        }
        return flows;
    }

    private static List<String> peer(Map<String, Object> peer, String namespace, Map<String, Map<String, Object>> namespaces,
                                     List<Manifest> workloads) {
        if (peer.containsKey("ipBlock")) {
            return List.of("addresses " + Kustomization.map(peer.get("ipBlock")).get("cidr"));
        }
        Map<String, Object> namespaceSelector = Kustomization.map(Kustomization.map(peer.get("namespaceSelector")).get("matchLabels"));
        Map<String, Object> podSelector = Kustomization.map(Kustomization.map(peer.get("podSelector")).get("matchLabels"));
        List<String> inNamespaces = peer.containsKey("namespaceSelector")
                ? namespaces.entrySet().stream().filter(entry -> selects(namespaceSelector, entry.getValue())).map(Map.Entry::getKey).toList()
                : List.of(namespace);
        List<String> matched = workloads.stream()
                .filter(workload -> inNamespaces.contains(workload.namespace()) && selects(podSelector, podLabels(workload)))
                .map(workload -> workload.namespace() + "/" + workload.name()).toList();
        if (!matched.isEmpty()) {
            return matched;
        }
        String pods = podSelector.isEmpty() ? "" : "pods" + new TreeMap<>(podSelector);
        String where = peer.containsKey("namespaceSelector") ? "namespaces" + new TreeMap<>(namespaceSelector) : "namespace " + namespace;
        return List.of((where + " " + pods).strip());
    }

    private static Map<String, Object> spec(Manifest policy) {
        return Kustomization.map(policy.object().get("spec"));
    }

    private static Map<String, Object> selector(Map<String, Object> spec) {
        return Kustomization.map(Kustomization.map(spec.get("podSelector")).get("matchLabels"));
    }

    private static Set<String> types(Map<String, Object> spec) {
        Set<String> types = new LinkedHashSet<>();
        Kustomization.list(spec.get("policyTypes")).forEach(type -> types.add(String.valueOf(type)));
        return types;
    }

    private static boolean selects(Map<String, Object> selector, Map<String, Object> labels) {
        return labels.entrySet().containsAll(selector.entrySet());
    }

    private static Map<String, Object> podLabels(Manifest workload) {
        return Kustomization.map(Kustomization.map(Kustomization.map(Kustomization.map(workload.object().get("spec")).get("template"))
                .get("metadata")).get("labels"));
    }

    /** The pods' container ports, by number and by name. */
    private static Set<Object> ports(Manifest workload) {
        Set<Object> ports = new HashSet<>();
        Map<String, Object> pod = Kustomization.map(Kustomization.map(Kustomization.map(workload.object().get("spec")).get("template"))
                .get("spec"));
        List<Object> containers = new ArrayList<>(Kustomization.list(pod.get("containers")));
        for (Object container : containers) {
            for (Object port : Kustomization.list(Kustomization.map(container).get("ports"))) {
                ports.add(((Number) Kustomization.map(port).get("containerPort")).intValue());
                if (Kustomization.map(port).get("name") != null) {
                    ports.add(String.valueOf(Kustomization.map(port).get("name")));
                }
            }
        }
        return ports;
    }
}
