package io.vfleet.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class KubernetesCheckTest {

    @TempDir
    Path directory;

    @Test
    void theSampleManifestsHaveNoViolations() {
        assertThat(SampleRepository.copyTo(directory).kubernetesViolations()).isEmpty();
    }

    static Stream<Arguments> breakages() {
        return Stream.of(
                Arguments.of("k8s/kustomization.yaml", "  - agent.yaml\n", "", "does not list agent.yaml"),
                Arguments.of("k8s/kustomization.yaml", "  - agent.yaml\n", "  - agent.yaml\n  - gone.yaml\n",
                        "lists gone.yaml, which does not exist"),
                Arguments.of("k8s/kustomization.yaml", "namespace: sample", "namespace: elsewhere",
                        "puts everything in namespace elsewhere, which no manifest creates"),
                Arguments.of("k8s/service.yaml", "image: vfleet/service:1.0", "image: vfleet/servce:1.0", "names no app"),
                Arguments.of("k8s/service.yaml", "containerPort: 8080", "containerPort: 8000",
                        "containerPort 8000 is not a port service listens on"),
                Arguments.of("k8s/service.yaml", "targetPort: http", "targetPort: web", "targets port web, which its pods do not have"),
                Arguments.of("k8s/service.yaml", "  selector:\n    app: service", "  selector:\n    app: services",
                        "selects no pods"),
                Arguments.of("k8s/service.yaml", "key: operator-token", "key: operator", "refers to key operator of Secret secrets"),
                Arguments.of("k8s/service.yaml", "name: VFLEET_SECURITY_TOKENS_0_ROLE", "name: VFLEET_SECURITY_TOKEN_0_ROLE",
                        "environment variable VFLEET_SECURITY_TOKEN_0_ROLE is not a setting service reads"),
                Arguments.of("k8s/service.yaml", "- name: config\n              mountPath", "- name: configuration\n              mountPath",
                        "mounts volume configuration, which the pod does not define"),
                Arguments.of("k8s/service.yaml", "mountPath: /app/config", "mountPath: /etc/config",
                        "mounts /etc/config/application.properties (key service.properties), which Spring Boot does not read"),
                Arguments.of("k8s/service.yaml", "- key: service.properties", "- key: services.properties",
                        "mounts key services.properties of ConfigMap config"),
                Arguments.of("k8s/configuration.yaml", "spring.datasource.url=", "spring.datasource.uri=",
                        "configuration file key spring.datasource.uri is not a setting service reads"),
                Arguments.of("k8s/service.yaml", "path: /actuator/health/liveness", "path: /health/liveness",
                        "/health/liveness is not one of service's health paths"),
                Arguments.of("k8s/service.yaml", "              port: http\n          readinessProbe",
                        "              port: management\n          readinessProbe", "probes port management, which the container does not name"),
                Arguments.of("k8s/service.yaml", "            limits:\n              memory: 512Mi\n", "", "sets no resources.limits.memory"),
                Arguments.of("k8s/agent.yaml", "          readinessProbe:\n            grpc:\n              port: 9090\n", "",
                        "has no readinessProbe"),
                Arguments.of("k8s/agent.yaml", "          livenessProbe:\n            grpc:\n              port: 9090",
                        "          livenessProbe:\n            grpc:\n              port: 9091", "gRPC health check on :9091"),
                Arguments.of("k8s/agent.yaml", "mountPath: /host/sys", "mountPath: /host/sysfs",
                        "agent reads its topology from /host/sys, where nothing is mounted"),
                Arguments.of("k8s/agent.yaml", "fieldPath: spec.nodeName", "fieldPath: spec.node",
                        "takes field spec.node, which the downward API does not offer"),
                Arguments.of("k8s/agent.yaml", "  name: agent\nspec", "  name: agent\n  namespace: other\nspec",
                        "is in namespace other, not sample"),
                Arguments.of("k8s/agent.yaml", "value: $(NODE_IP):9090", "value: agent:9090",
                        "environment variable NODE_IP is not a setting agent reads"),
                Arguments.of("k8s/agent.yaml", "/etc/secrets/vfleet/agent/inventory-token", "/etc/secrets/vfleet/agent/token",
                        "configuration file key vfleet.agent.token is not a setting agent reads"),
                Arguments.of("k8s/service.yaml", "kind: PodDisruptionBudget", "kind: PodDisruptionBudgets",
                        "runs 2 replicas but no PodDisruptionBudget keeps one of them through a voluntary disruption"),
                Arguments.of("k8s/service.yaml", "  minAvailable: 1", "  minAvailable: 2",
                        "allows no eviction of the 2 replicas of service.yaml: Deployment service: no node could drain"),
                Arguments.of("k8s/service.yaml", "  minAvailable: 1", "  maxUnavailable: 2",
                        "lets every replica of service.yaml: Deployment service go at once"),
                Arguments.of("k8s/service.yaml", "minAvailable: 1\n  selector:\n    matchLabels:\n      app: service",
                        "minAvailable: 1\n  selector:\n    matchLabels:\n      app: services", "selects no pods {app=services}"));
    }

    @ParameterizedTest(name = "{3}")
    @MethodSource("breakages")
    void eachBreakageOfTheSampleIsReported(String file, String from, String to, String violation) {
        SampleRepository sample = SampleRepository.copyTo(directory);
        sample.replace(file, from, to);

        assertThat(sample.kubernetesViolations()).anySatisfy(found -> assertThat(found).contains(violation));
    }

    @Test
    void aListSplitBetweenAMountedFileAndTheEnvironmentIsReported() {
        SampleRepository sample = SampleRepository.copyTo(directory);
        sample.replace("k8s/configuration.yaml", "    vfleet.agents.endpoints.host-01=host-01:9090\n",
                "    vfleet.agents.endpoints.host-01=host-01:9090\n    vfleet.security.tokens[1].role=auditor\n");

        assertThat(sample.kubernetesViolations()).containsExactly("service.yaml: Deployment service, container service: "
                + "list vfleet.security.tokens is set from CONFIG_FILE and ENVIRONMENT, but Spring binds a list from one source only");
    }
}
