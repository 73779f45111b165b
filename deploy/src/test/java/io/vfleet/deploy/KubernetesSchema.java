package io.vfleet.deploy;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.vfleet.deploy.Kustomization.Manifest;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Each manifest of a built-in kind read into Kubernetes' own object model (fabric8's, generated from
 * the API server's OpenAPI schema), as the API server would read it: a value of the wrong type is
 * refused, and a field the kind does not have, which the API server would drop or refuse, is reported
 * with its path. cert-manager's Certificate, which the model does not cover, is held to the fields of
 * its v1 API; other kinds are left to the other checks.
 */
final class KubernetesSchema {
    private static final String MODEL_PACKAGE = "io.fabric8.kubernetes.api.model";
    private static final Map<String, Class<?>> KINDS = Map.of(
            "v1/Namespace", Namespace.class,
            "v1/ConfigMap", ConfigMap.class,
            "v1/Secret", Secret.class,
            "v1/Service", Service.class,
            "v1/PersistentVolumeClaim", PersistentVolumeClaim.class,
            "apps/v1/Deployment", Deployment.class,
            "apps/v1/DaemonSet", DaemonSet.class,
            "apps/v1/StatefulSet", StatefulSet.class,
            "networking.k8s.io/v1/NetworkPolicy", NetworkPolicy.class,
            "policy/v1/PodDisruptionBudget", PodDisruptionBudget.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** cert-manager's Certificate (cert-manager.io/v1): the fields of its spec and of its private key, and the key usages. */
    private static final Set<String> CERTIFICATE_FIELDS = Set.of("subject", "literalSubject", "commonName", "duration", "renewBefore",
            "renewBeforePercentage", "dnsNames", "ipAddresses", "uris", "otherNames", "emailAddresses", "secretName", "secretTemplate",
            "keystores", "issuerRef", "isCA", "usages", "privateKey", "encodeUsagesInRequest", "revisionHistoryLimit",
            "additionalOutputFormats", "nameConstraints");
    private static final Set<String> PRIVATE_KEY_FIELDS = Set.of("rotationPolicy", "encoding", "algorithm", "size");
    private static final Set<String> USAGES = Set.of("signing", "digital signature", "content commitment", "key encipherment",
            "key agreement", "data encipherment", "cert sign", "crl sign", "encipher only", "decipher only", "any", "server auth",
            "client auth", "code signing", "email protection", "s/mime", "ipsec end system", "ipsec tunnel", "ipsec user",
            "timestamping", "ocsp signing", "microsoft sgc", "netscape sgc");

    private KubernetesSchema() {}

    static List<String> check(List<Manifest> manifests) {
        Violations violations = new Violations();
        for (Manifest manifest : manifests) {
            if (manifest.kind().equals("Certificate") && "cert-manager.io/v1".equals(manifest.object().get("apiVersion"))) {
                certificate(manifest, violations);
                continue;
            }
            Class<?> type = KINDS.get(manifest.object().get("apiVersion") + "/" + manifest.kind());
            if (type == null) {
                continue;
            }
            try {
                unknownFields(JSON.convertValue(manifest.object(), type), "", manifest.where(), violations);
            } catch (IllegalArgumentException invalid) {
                violations.add(manifest.where(), "is not a valid " + manifest.kind() + ": " + invalid.getMessage().lines().findFirst().orElse(""));
            }
        }
        return violations.list();
    }

    private static void certificate(Manifest manifest, Violations violations) {
        Map<String, Object> spec = Kustomization.map(manifest.object().get("spec"));
        Set<String> unknown = new TreeSet<>(spec.keySet());
        unknown.removeAll(CERTIFICATE_FIELDS);
        Set<String> unknownKey = new TreeSet<>(Kustomization.map(spec.get("privateKey")).keySet());
        unknownKey.removeAll(PRIVATE_KEY_FIELDS);
        Set<String> unknownUsages = new TreeSet<>();
        Kustomization.list(spec.get("usages")).forEach(usage -> unknownUsages.add(String.valueOf(usage)));
        unknownUsages.removeAll(USAGES);
        if (!unknown.isEmpty()) {
            violations.add(manifest.where(), "has fields " + unknown + " at spec, which its kind does not have");
        }
        if (!unknownKey.isEmpty()) {
            violations.add(manifest.where(), "has fields " + unknownKey + " at spec.privateKey, which its kind does not have");
        }
        if (!unknownUsages.isEmpty()) {
            violations.add(manifest.where(), "asks for key usages " + unknownUsages + ", which cert-manager does not know");
        }
        if (spec.get("secretName") == null || Kustomization.map(spec.get("issuerRef")).get("name") == null) {
            violations.add(manifest.where(), "names no secretName or issuerRef.name, which a Certificate requires");
        }
    }

    /** Reports every field the model kept aside as unknown, walking the object's model-typed properties. */
    private static void unknownFields(Object value, String path, String where, Violations violations) {
        if (value instanceof Collection<?> items) {
            int index = 0;
            for (Object item : items) {
                unknownFields(item, path + "[" + index++ + "]", where, violations);
            }
            return;
        }
        if (value instanceof Map<?, ?> entries) {
            entries.forEach((key, item) -> unknownFields(item, path + "." + key, where, violations));
            return;
        }
        if (value == null || !value.getClass().getPackageName().startsWith(MODEL_PACKAGE)) {
            return;
        }
        for (Method getter : value.getClass().getMethods()) {
            boolean property = getter.getName().startsWith("get") && getter.getParameterCount() == 0
                    && !Modifier.isStatic(getter.getModifiers()) && getter.getDeclaringClass().getPackageName().startsWith(MODEL_PACKAGE);
            if (!property) {
                continue;
            }
            Object child = invoke(getter, value);
            if (getter.getName().equals("getAdditionalProperties")) {
                if (child instanceof Map<?, ?> unknown && !unknown.isEmpty()) {
                    violations.add(where, "has fields " + unknown.keySet() + " at " + (path.isEmpty() ? "the top" : path.substring(1))
                            + ", which its kind does not have");
                }
            } else {
                String name = getter.getName().substring(3);
                unknownFields(child, path + "." + Character.toLowerCase(name.charAt(0)) + name.substring(1), where, violations);
            }
        }
    }

    private static Object invoke(Method getter, Object target) {
        try {
            return getter.invoke(target);
        } catch (IllegalAccessException | InvocationTargetException e) {
            throw new IllegalStateException(getter + ": " + e.getMessage(), e);
        }
    }
}
