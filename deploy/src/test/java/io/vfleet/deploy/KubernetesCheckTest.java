package io.vfleet.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
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
                Arguments.of("k8s/agent.yaml", "namespace: sample-agents", "namespace: elsewhere",
                        "runs in namespace elsewhere, which no manifest creates"),
                Arguments.of("k8s/agent.yaml", "  namespace: sample-agents\n", "", "names no namespace, and kustomization.yaml sets none"),
                Arguments.of("k8s/service.yaml", "image: vfleet/service:1.0", "image: vfleet/servce:1.0", "names no app"),
                Arguments.of("k8s/service.yaml", "containerPort: 8080", "containerPort: 8000",
                        "containerPort 8000 is not a port service listens on"),
                Arguments.of("k8s/service.yaml", "targetPort: http", "targetPort: web", "targets port web, which its pods do not have"),
                Arguments.of("k8s/service.yaml", "  selector:\n    app: service", "  selector:\n    app: services",
                        "selects no pods"),
                Arguments.of("k8s/service.yaml", "secretName: database", "secretName: databases",
                        "mounts Secret databases, which no manifest defines in namespace sample"),
                Arguments.of("k8s/agent.yaml", "name: VFLEET_AGENT_SYSFSROOT", "name: VFLEET_AGENT_SYSFSROT",
                        "environment variable VFLEET_AGENT_SYSFSROT is not a setting agent reads"),
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
                Arguments.of("k8s/agent.yaml", "value: $(POD_IP):9090", "value: agent:9090",
                        "environment variable POD_IP is not a setting agent reads"),
                Arguments.of("k8s/service.yaml", "mountPath: /etc/secrets/spring/datasource", "mountPath: /etc/secrets/spring/datasourc",
                        "configuration file key spring.datasourc.password is not a setting service reads"),
                Arguments.of("k8s/service.yaml", "kind: PodDisruptionBudget", "kind: PodDisruptionBudgets",
                        "runs 2 replicas but no PodDisruptionBudget keeps one of them through a voluntary disruption"),
                Arguments.of("k8s/service.yaml", "  minAvailable: 1", "  minAvailable: 2",
                        "allows no eviction of the 2 replicas of service.yaml: Deployment service: no node could drain"),
                Arguments.of("k8s/service.yaml", "  minAvailable: 1", "  maxUnavailable: 2",
                        "lets every replica of service.yaml: Deployment service go at once"),
                Arguments.of("k8s/service.yaml", "minAvailable: 1\n  selector:\n    matchLabels:\n      app: service",
                        "minAvailable: 1\n  selector:\n    matchLabels:\n      app: services", "selects no pods {app=services}"),
                // As the API server reads them.
                Arguments.of("k8s/service.yaml", "              mountPath: /etc/tls\n              readOnly: true",
                        "              mountPath: /etc/tls\n              readonly: true",
                        "has fields [readonly] at spec.template.spec.containers[0].volumeMounts[1], which its kind does not have"),
                Arguments.of("k8s/service.yaml", "replicas: 2", "replicas: two", "service.yaml: Deployment service: is not a valid Deployment"),
                Arguments.of("k8s/certificates.yaml", "  uris:\n    - spiffe://vfleet/service/sample", "  uri:\n    - spiffe://vfleet/service/sample",
                        "certificates.yaml: Certificate service: has fields [uri] at spec, which its kind does not have"),
                Arguments.of("k8s/service.yaml", "ReadWriteMany", "ReadWriteOnce",
                        "runs 2 replicas on claim shared of access modes [ReadWriteOnce], which attaches to one node only"),
                // Secrets as files, never in the environment, never shipped.
                Arguments.of("k8s/service.yaml", "          volumeMounts:\n", """
                                  env:
                                    - name: SPRING_DATASOURCE_PASSWORD
                                      valueFrom:
                                        secretKeyRef:
                                          name: database
                                          key: password
                                  volumeMounts:
                        """, "SPRING_DATASOURCE_PASSWORD takes Secret database into the environment"),
                Arguments.of("k8s/configuration.yaml", "kind: ConfigMap", "kind: Secret\nmetadata:\n  name: shipped\nstringData:\n"
                        + "  password: change-me\n---\napiVersion: v1\nkind: ConfigMap", "Secret shipped: ships values for [password]"),
                Arguments.of("k8s/kustomization.yaml", "files:\n      - password=secrets/database-password",
                        "literals:\n      - password=change-me", "secretGenerator database ships a value for password"),
                // Images by the digest the build made.
                Arguments.of("k8s/kustomization.yaml", "digest: sha256:1111", "digest: sha256:3333",
                        "but this build of service made " + SampleRepository.SERVICE_DIGEST),
                Arguments.of("k8s/kustomization.yaml", "  - name: vfleet/agent\n    digest: sha256:" + "2".repeat(64) + "\n", "",
                        "runs image vfleet/agent:1.0, not named by digest"),
                // TLS on every port, from a certificate naming the process's identity.
                Arguments.of("k8s/agent.yaml", "            - name: VFLEET_TLS_DIRECTORY\n              value: /etc/tls\n", "",
                        "serves gRPC on 9090 without a TLS identity"),
                Arguments.of("k8s/configuration.yaml", "    server.ssl.bundle=vfleet\n", "", "serves HTTP on 8080 without TLS"),
                Arguments.of("k8s/service.yaml", "scheme: HTTPS\n              path: /actuator/health/liveness",
                        "scheme: HTTP\n              path: /actuator/health/liveness", "livenessProbe asks with scheme HTTP, but the port serves HTTPS"),
                Arguments.of("k8s/agent.yaml", "              mountPath: /etc/tls\n", "              mountPath: /etc/tls\n              subPath: tls.crt\n",
                        "mounts its TLS identity at /etc/tls by subPath"),
                Arguments.of("k8s/certificates.yaml", "spiffe://vfleet/service/sample", "spiffe://vfleet/controller",
                        "names [spiffe://vfleet/controller], but service must be known as exactly spiffe://vfleet/service/sample"),
                Arguments.of("k8s/certificates.yaml", "  commonName: host-01\n", "", "which has an empty subject"),
                // An agent's certificate names the node its pod is bound to.
                Arguments.of("k8s/certificates.yaml", "spiffe://vfleet/node/host-01", "spiffe://vfleet/node/host-02",
                        "must be known as exactly spiffe://vfleet/node/host-01"),
                Arguments.of("k8s/agent.yaml", "values: [\"host-01\"]", "values: [\"host-01\", \"host-02\"]", "is not bound to one node by name"),
                Arguments.of("k8s/agent.yaml", "fieldPath: spec.nodeName", "fieldPath: metadata.name", "does not tell the agent its node"),
                // Callers authenticated by access tokens.
                Arguments.of("k8s/configuration.yaml", "    server.ssl.bundle=vfleet\n", "    server.ssl.bundle=vfleet\n    spring.profiles.active=local\n",
                        "runs with the profile local"),
                Arguments.of("k8s/configuration.yaml", "    server.ssl.bundle=vfleet\n",
                        "    server.ssl.bundle=vfleet\n    vfleet.security.tokens[0].token=secret\n", "configures a static token"),
                Arguments.of("k8s/configuration.yaml", "    vfleet.security.jwt.issuer-uri=https://login.example.com\n", "",
                        "names no token issuer and audience"),
                // Every pod behind NetworkPolicies that deny by default.
                Arguments.of("k8s/network-policies.yaml", "  name: default-deny\n  namespace: sample\nspec:\n  podSelector: {}\n  policyTypes: [\"Ingress\", \"Egress\"]\n",
                        "  name: default-deny\n  namespace: sample\nspec:\n  podSelector: {}\n  policyTypes: [\"Ingress\"]\n",
                        "namespace sample: has no NetworkPolicy denying all ingress and egress by default"),
                Arguments.of("k8s/network-policies.yaml", "  podSelector:\n    matchLabels:\n      app: agent\n",
                        "  podSelector:\n    matchLabels:\n      app: agents\n", "agent.yaml: DaemonSet agent: has no NetworkPolicy of its own"),
                Arguments.of("k8s/network-policies.yaml", "    - ports:\n        - port: 8080", "    - ports:\n        - port: 8443",
                        "admits traffic to port 8443, which the pods of service.yaml: Deployment service do not have"),
                // Pod Security: host access only where the namespace is privileged, restricted elsewhere.
                Arguments.of("k8s/service.yaml", "        runAsNonRoot: true\n", "", "does not set runAsNonRoot: true"),
                Arguments.of("k8s/namespace.yaml", "enforce: privileged", "enforce: restricted",
                        "reaches the host (hostPath /sys) in namespace sample-agents, whose Pod Security level restricted refuses it"),
                Arguments.of("k8s/namespace.yaml", "enforce: restricted", "enforce: privileged",
                        "runs in privileged namespace sample without reaching the host"));
    }

    @ParameterizedTest(name = "{3}")
    @MethodSource("breakages")
    void eachBreakageOfTheSampleIsReported(String file, String from, String to, String violation) {
        SampleRepository sample = SampleRepository.copyTo(directory);
        sample.replace(file, from, to);

        assertThat(sample.kubernetesViolations()).anySatisfy(found -> assertThat(found).contains(violation));
    }

    @Test
    void theReleaseOverlayNamesEachImageByTheDigestItsAppWasBuiltWith() throws Exception {
        SampleRepository sample = SampleRepository.copyTo(directory);
        String kustomization = Files.readString(directory.resolve("k8s/kustomization.yaml"));
        Files.writeString(directory.resolve("k8s/kustomization.yaml"), kustomization.substring(0, kustomization.indexOf("images:")));
        assertThat(sample.kubernetesViolations()).contains("service.yaml: Deployment service, container service: "
                + "runs image vfleet/service:1.0, not named by digest: a tag can be moved to other contents");

        Path release = ReleaseOverlay.write(directory.resolve("target/release"), directory.resolve("k8s"), sample.apps());

        assertThat(Files.readString(release.resolve("kustomization.yaml"))).contains("  - ../../k8s\n",
                "  - name: vfleet/service\n    digest: " + SampleRepository.SERVICE_DIGEST,
                "  - name: vfleet/agent\n    digest: " + SampleRepository.AGENT_DIGEST);
        assertThat(KubernetesCheck.check(release, sample.apps(), Map.of("service", SampleRepository.SERVICE_IDENTITY))).isEmpty();
    }

    @Test
    void theFlowsThePoliciesAllowNameTheWorkloadsAtEitherEnd() {
        SampleRepository.copyTo(directory);

        assertThat(NetworkPolicyCheck.flows(Kustomization.read(directory.resolve("k8s"), new Violations()).manifests()))
                .containsExactlyInAnyOrder("anywhere -> sample/service:8080/TCP", "sample/service -> sample-agents/agent:9090/TCP");
    }

    @Test
    void aListSplitBetweenAMountedFileAndTheEnvironmentIsReported() {
        SampleRepository sample = SampleRepository.copyTo(directory);
        sample.replace("k8s/service.yaml", "          volumeMounts:\n",
                "          env:\n            - name: VFLEET_SECURITY_JWT_AUDIENCES_1\n              value: other\n          volumeMounts:\n");

        assertThat(sample.kubernetesViolations()).containsExactly("service.yaml: Deployment service, container service: "
                + "list vfleet.security.jwt.audiences is set from CONFIG_FILE and ENVIRONMENT, but Spring binds a list from one source only");
    }
}
