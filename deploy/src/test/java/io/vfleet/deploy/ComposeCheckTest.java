package io.vfleet.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ComposeCheckTest {
    private static final String COMPOSE = "docker-compose.yml";

    @TempDir
    Path directory;

    @Test
    void theSampleComposeFileHasNoViolations() {
        assertThat(SampleRepository.copyTo(directory).composeViolations()).isEmpty();
    }

    static Stream<Arguments> breakages() {
        return Stream.of(
                Arguments.of("vfleet/service:1.0", "vfleet/service:2.0", "is tagged 2.0, but service builds version 1.0"),
                Arguments.of("image: vfleet/agent:1.0", "image: vfleet/agnet:1.0", "image vfleet/agnet:1.0 names no app"),
                Arguments.of("SPRING_DATASOURCE_URL:", "SPRING_DATASOURCE_URI:",
                        "environment variable SPRING_DATASOURCE_URI is not a setting service reads"),
                Arguments.of("--vfleet.agents.endpoints.host-01", "--vfleet.agent.endpoints.host-01",
                        "argument --vfleet.agent.endpoints.host-01 is not a setting service reads"),
                Arguments.of("\"8080:8080\"", "\"8080:8081\"", "published container port 8081 is not a port service listens on"),
                Arguments.of("\"9101:9090\"", "\"8080:9090\"", "host port 8080 is already published"),
                Arguments.of("/actuator/health/readiness", "/actuator/health/ready",
                        "/actuator/health/ready is not one of service's health paths"),
                Arguments.of("./topologies/host.yaml", "./topologies/missing.yaml",
                        "bind mount source ./topologies/missing.yaml does not exist"),
                Arguments.of(":/etc/vfleet/topology.yaml:ro", ":/etc/vfleet/other.yaml:ro",
                        "agent reads its topology from /etc/vfleet/topology.yaml, where nothing is mounted"),
                Arguments.of("- agent-state:/var/lib/agent", "- agent-stat:/var/lib/agent",
                        "volume agent-stat is not declared under the top-level volumes"),
                Arguments.of("    healthcheck:\n      test: [\"CMD-SHELL\", \"pg_isready -U vfleet\"]\n", "",
                        "waits for db to be healthy, but db has no health check"),
                Arguments.of("      db:\n        condition", "      dbx:\n        condition", "depends on dbx, which is not a service"),
                Arguments.of("${OPERATOR_TOKEN:?set it}", "${OPERATOR_TOKN:?set it}", "${OPERATOR_TOKN} is not defined in .env.example"),
                Arguments.of("      - --vfleet.agents.endpoints.host-01=agent:9090\n",
                        "      - --vfleet.agents.endpoints.host-01=agent:9090\n      - --vfleet.security.tokens[1].role=auditor\n",
                        "list vfleet.security.tokens is set from ENVIRONMENT and ARGUMENT"),
                Arguments.of("    image: vfleet/service:1.0\n", "    image: vfleet/service:1.0\n    build: service\n",
                        "builds vfleet/service:1.0 from a Dockerfile, but Jib builds our images"),
                Arguments.of("[\"CMD\", \"java\", \"-cp\"", "[\"CMD\", \"curl\", \"-cp\"",
                        "curl is not in the image"),
                Arguments.of("\"/opt/vfleet/health-check/classes\", \"io.vfleet.healthcheck.HealthCheck\"",
                        "\"/opt/vfleet/health-check/classes\", \"io.vfleet.healthcheck.Missing\"",
                        "the main class io.vfleet.healthcheck.Missing is not in the image"));
    }

    @ParameterizedTest(name = "{2}")
    @MethodSource("breakages")
    void eachBreakageOfTheSampleIsReported(String from, String to, String violation) {
        SampleRepository sample = SampleRepository.copyTo(directory);
        sample.replace(COMPOSE, from, to);

        assertThat(sample.composeViolations()).anySatisfy(found -> assertThat(found).contains(violation));
    }

    @Test
    void anAgentWithoutItsImageCommandReadsTheBuiltInTopologyPathAndIsReported() {
        SampleRepository sample = SampleRepository.copyTo(directory);
        sample.replace(COMPOSE, "    image: vfleet/agent:1.0\n", "    image: vfleet/agent:1.0\n    command: [\"--state-dir=/var/lib/agent\"]\n");

        assertThat(sample.composeViolations())
                .containsExactly("docker-compose.yml: service agent: agent reads its topology from topology.yaml, where nothing is mounted");
    }
}
