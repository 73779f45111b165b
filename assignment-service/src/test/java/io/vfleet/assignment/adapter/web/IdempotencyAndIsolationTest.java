package io.vfleet.assignment.adapter.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.vfleet.assignment.support.ServiceTest;
import io.vfleet.assignment.support.ServiceTestBase;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.test.web.servlet.assertj.MockMvcTester;
import org.springframework.test.web.servlet.assertj.MvcTestResult;

@ServiceTest
class IdempotencyAndIsolationTest extends ServiceTestBase {

    private static final String ONE_GPU = "{\"tenant\":\"acme\",\"node\":\"n1\",\"devices\":[\"0000:01:00.0\"]}";

    @Autowired
    MockMvcTester mvc;

    MvcTestResult assign(String token, String key, String body) {
        var request = mvc.post().uri("/api/v1/assignments").header("Authorization", "Bearer " + token)
                .contentType(MediaType.APPLICATION_JSON).content(body);
        if (key != null) {
            request = request.header("Idempotency-Key", key);
        }
        return request.exchange();
    }

    static String id(MvcTestResult result) throws Exception {
        return com.jayway.jsonpath.JsonPath.read(result.getResponse().getContentAsString(), "$.id");
    }

    @Test
    void theSameKeyAndBodyAnswerTheSameAssignmentOnce() throws Exception {
        MvcTestResult first = assign("operator-token", "key-1", ONE_GPU);
        MvcTestResult second = assign("operator-token", "key-1", ONE_GPU);

        assertThat(first).hasStatus(HttpStatus.CREATED);
        assertThat(second).hasStatus(HttpStatus.OK);
        assertThat(second.getResponse().getHeader("Location")).isNull();
        assertThat(id(second)).isEqualTo(id(first));
        assertThat(second).bodyJson().extractingPath("$.state").asString().isEqualTo("ACTIVE");
        assertThat(agents.calls()).filteredOn(call -> call.startsWith("prepare")).hasSize(1);
        assertThat(jdbc.queryForObject("select count(*) from assignment.assignments", Integer.class)).isEqualTo(1);
    }

    @Test
    void theSameKeyWithAnotherBodyIsRefused() {
        assign("operator-token", "key-1", ONE_GPU);

        MvcTestResult other = assign("operator-token", "key-1",
                "{\"tenant\":\"acme\",\"node\":\"n1\",\"devices\":[\"0000:06:00.0\"]}");

        assertThat(other).hasStatus(HttpStatus.CONFLICT);
        assertThat(other).bodyJson().extractingPath("$.detail").asString().contains("Idempotency-Key key-1");
        assertThat(jdbc.queryForObject("select count(*) from assignment.assignments", Integer.class)).isEqualTo(1);
    }

    @Test
    void aRefusedRequestDoesNotUseUpItsKey() {
        assign("operator-token", null, ONE_GPU);
        assertThat(assign("operator-token", "key-2", "{\"tenant\":\"globex\",\"node\":\"n1\",\"devices\":[\"0000:01:00.0\"]}"))
                .hasStatus(HttpStatus.CONFLICT);

        assertThat(jdbc.queryForObject("select count(*) from assignment.idempotency_keys", Integer.class)).isZero();
    }

    @Test
    void aTenantScopedCallerFindsNoOtherTenantsAssignment() throws Exception {
        String globex = id(assign("operator-token", null,
                "{\"tenant\":\"globex\",\"node\":\"n1\",\"devices\":[\"0000:01:00.0\"]}"));
        String acme = id(assign("acme-token", null,
                "{\"tenant\":\"acme\",\"node\":\"n1\",\"devices\":[\"0000:06:00.0\"]}"));

        assertThat(mvc.get().uri("/api/v1/assignments/" + globex).header("Authorization", "Bearer acme-token"))
                .hasStatus(HttpStatus.NOT_FOUND);
        assertThat(mvc.delete().uri("/api/v1/assignments/" + globex).header("Authorization", "Bearer acme-token"))
                .hasStatus(HttpStatus.NOT_FOUND);
        assertThat(mvc.post().uri("/api/v1/assignments/" + globex + "/reset").header("Authorization", "Bearer acme-token"))
                .hasStatus(HttpStatus.NOT_FOUND);
        assertThat(mvc.get().uri("/api/v1/tenants/globex").header("Authorization", "Bearer acme-token"))
                .hasStatus(HttpStatus.NOT_FOUND);
        assertThat(mvc.get().uri("/api/v1/assignments").header("Authorization", "Bearer acme-token"))
                .bodyJson().extractingPath("$.items[*].id").asArray().containsExactly(acme);
        assertThat(mvc.get().uri("/api/v1/assignments?tenant=globex").header("Authorization", "Bearer acme-token"))
                .bodyJson().extractingPath("$.total").isEqualTo(0);
        assertThat(mvc.get().uri("/api/v1/assignments/" + globex).header("Authorization", "Bearer operator-token"))
                .bodyJson().extractingPath("$.state").isEqualTo("ACTIVE");
    }

    @Test
    void aTenantScopedCallerCannotAssignForAnotherTenant() {
        assertThat(assign("acme-token", null, "{\"tenant\":\"globex\",\"node\":\"n1\",\"devices\":[\"0000:01:00.0\"]}"))
                .hasStatus(HttpStatus.FORBIDDEN);
        assertThat(jdbc.queryForObject("select count(*) from assignment.assignments", Integer.class)).isZero();
    }

    @Test
    void rolesAreEnforced() {
        assertThat(assign("auditor-token", null, ONE_GPU)).hasStatus(HttpStatus.FORBIDDEN);
        assertThat(mvc.put().uri("/api/v1/tenants/acme").header("Authorization", "Bearer orchestrator-token")
                .contentType(MediaType.APPLICATION_JSON)
                .content("{\"maxDevices\":1,\"maxPinnedBytes\":0,\"noiommuAllowed\":true}"))
                .hasStatus(HttpStatus.FORBIDDEN);
        assertThat(mvc.get().uri("/api/v1/audit/verify").header("Authorization", "Bearer orchestrator-token"))
                .hasStatus(HttpStatus.FORBIDDEN);
    }

    @Test
    void noTokenOrAnUnknownOneIsUnauthenticated() {
        assertThat(mvc.get().uri("/api/v1/assignments")).hasStatus(HttpStatus.UNAUTHORIZED)
                .headers().hasValue("WWW-Authenticate", "Bearer");
        assertThat(mvc.get().uri("/api/v1/assignments").header("Authorization", "Bearer guess"))
                .hasStatus(HttpStatus.UNAUTHORIZED);
    }
}
