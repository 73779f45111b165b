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

/**
 * Each manifest of a built-in kind read into Kubernetes' own object model (fabric8's, generated from
 * the API server's OpenAPI schema), as the API server would read it: a value of the wrong type is
 * refused, and a field the kind does not have, which the API server would drop or refuse, is reported
 * with its path. Kinds the model does not cover (cert-manager's) are left to the other checks.
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

    private KubernetesSchema() {}

    static List<String> check(List<Manifest> manifests) {
        Violations violations = new Violations();
        for (Manifest manifest : manifests) {
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
