package io.vfleet.assignment.adapter.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.vfleet.assignment.support.ServiceTest;
import io.vfleet.assignment.support.ServiceTestBase;
import io.vfleet.rest.ProblemType;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.MediaType;
import org.springframework.test.web.servlet.assertj.MockMvcTester;
import org.springframework.test.web.servlet.assertj.MvcTestResult;

/**
 * Every error the service answers, its framework's and its filters' included, is an
 * {@code application/problem+json} body whose {@code type} is one of the {@link ProblemType}s and
 * agrees with the status.
 */
@ServiceTest
class ProblemVocabularyTest extends ServiceTestBase {

    @Autowired
    MockMvcTester mvc;

    private static void assertProblem(MvcTestResult result, ProblemType type) {
        assertThat(result).hasStatus(type.status());
        assertThat(result).contentType().isCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON);
        assertThat(result).bodyJson().extractingPath("$.type").isEqualTo(type.uri().toString());
        assertThat(result).bodyJson().extractingPath("$.title").isEqualTo(type.title());
        assertThat(result).bodyJson().extractingPath("$.status").isEqualTo(type.status());
        assertThat(result).bodyJson().extractingPath("$.detail").asString().isNotBlank();
    }

    @Test
    void noTokenAnUnknownTokenAndAWrongRoleAreProblems() {
        assertProblem(mvc.get().uri("/api/v1/assignments").exchange(), ProblemType.UNAUTHENTICATED);
        assertProblem(mvc.get().uri("/api/v1/assignments").header("Authorization", "Bearer guess").exchange(),
                ProblemType.UNAUTHENTICATED);
        assertProblem(mvc.get().uri("/api/v1/audit/verify").header("Authorization", "Bearer orchestrator-token").exchange(),
                ProblemType.FORBIDDEN);
    }

    @Test
    void theMetricsFiltersRefusalsAreProblemsOfTheSameVocabulary() {
        assertProblem(mvc.get().uri("/actuator/prometheus").exchange(), ProblemType.UNAUTHENTICATED);
        assertProblem(mvc.get().uri("/actuator/prometheus").header("Authorization", "Bearer orchestrator-token").exchange(),
                ProblemType.FORBIDDEN);
    }

    @Test
    void whatTheAccessTableDoesNotNameIsRefusedAsAProblem() {
        assertUnnamed(mvc.get().uri("/nothing-here").exchange(), "GET /nothing-here");
        assertUnnamed(mvc.get().uri("/api/v1/nothing-here").header("Authorization", "Bearer operator-token").exchange(),
                "GET /api/v1/nothing-here");
        assertUnnamed(mvc.put().uri("/api/v1/assignments").header("Authorization", "Bearer operator-token").exchange(),
                "PUT /api/v1/assignments");
    }

    /** Refused before it is looked for, whoever asks: no role would help, and nothing says what exists. */
    private static void assertUnnamed(MvcTestResult result, String call) {
        assertProblem(result, ProblemType.FORBIDDEN);
        assertThat(result).bodyJson().extractingPath("$.detail").isEqualTo("no access rule serves " + call);
    }

    @Test
    void theFrameworksOwnRefusalsAreProblems() {
        assertProblem(mvc.get().uri("/dashboard/nothing-here.js").exchange(), ProblemType.NOT_FOUND);
        assertProblem(mvc.post().uri("/actuator/health").exchange(), ProblemType.METHOD_NOT_ALLOWED);
        assertProblem(mvc.post().uri("/api/v1/assignments").header("Authorization", "Bearer operator-token")
                .contentType(MediaType.TEXT_PLAIN).content("tenant=acme").exchange(), ProblemType.UNSUPPORTED_MEDIA_TYPE);
        MvcTestResult notAcceptable = mvc.get().uri("/api/v1/assignments").header("Authorization", "Bearer operator-token")
                .accept(MediaType.valueOf("text/csv")).exchange();
        assertThat(notAcceptable).hasStatus(ProblemType.NOT_ACCEPTABLE.status());
        assertThat(notAcceptable).bodyJson().extractingPath("$.type").isEqualTo(ProblemType.NOT_ACCEPTABLE.uri().toString());
    }

    @Test
    void theServicesOwnRefusalsAreProblems() {
        assertProblem(mvc.get().uri("/api/v1/assignments/no-such-id").header("Authorization", "Bearer operator-token")
                .exchange(), ProblemType.NOT_FOUND);
        assertProblem(mvc.post().uri("/api/v1/assignments").header("Authorization", "Bearer operator-token")
                .contentType(MediaType.APPLICATION_JSON).content("{\"tenant\":\"acme\",\"node\":\"n1\",\"devices\":[\"0000:02:00.0\"]}")
                .exchange(), ProblemType.ASSIGNMENT_REFUSED);
        assertProblem(mvc.post().uri("/api/v1/assignments").header("Authorization", "Bearer operator-token")
                .contentType(MediaType.APPLICATION_JSON).content("{\"tenant\":5}").exchange(), ProblemType.BAD_REQUEST);
    }

    @Test
    void theVocabularyNamesEachTypeOnce() {
        assertThat(Arrays.stream(ProblemType.values()).map(ProblemType::uri).distinct()).hasSize(ProblemType.values().length);
    }
}
