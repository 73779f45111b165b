package io.vfleet.assignment.adapter.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.vfleet.assignment.application.ForgetExpiredIdempotencyKeys;
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

    @Autowired
    ForgetExpiredIdempotencyKeys forget;

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
    void anotherCallersSameKeyIsAnotherKey() throws Exception {
        MvcTestResult operators = assign("operator-token", "key-1", ONE_GPU);
        MvcTestResult orchestrators = assign("orchestrator-token", "key-1",
                "{\"tenant\":\"acme\",\"node\":\"n1\",\"devices\":[\"0000:06:00.0\"]}");
        MvcTestResult orchestratorsAgain = assign("orchestrator-token", "key-1",
                "{\"tenant\":\"acme\",\"node\":\"n1\",\"devices\":[\"0000:06:00.0\"]}");

        assertThat(operators).hasStatus(HttpStatus.CREATED);
        assertThat(orchestrators).hasStatus(HttpStatus.CREATED);
        assertThat(id(orchestrators)).isNotEqualTo(id(operators));
        assertThat(orchestratorsAgain).hasStatus(HttpStatus.OK);
        assertThat(id(orchestratorsAgain)).isEqualTo(id(orchestrators));
    }

    @Test
    void aKeyPastItsLifetimeStartsANewRequest() throws Exception {
        String first = id(assign("operator-token", "key-1", ONE_GPU));
        jdbc.update("update assignment.idempotency_keys set created_at = now() - interval '25 hours'");

        MvcTestResult later = assign("operator-token", "key-1",
                "{\"tenant\":\"acme\",\"node\":\"n1\",\"devices\":[\"0000:06:00.0\"]}");

        assertThat(later).hasStatus(HttpStatus.CREATED);
        assertThat(id(later)).isNotEqualTo(first);
        assertThat(jdbc.queryForObject("select assignment_id from assignment.idempotency_keys", String.class))
                .isEqualTo(id(later));
    }

    @Test
    void expiredKeysAreForgottenAndTheOthersKept() {
        jdbc.update("""
                insert into assignment.idempotency_keys (caller, key, fingerprint, assignment_id, created_at)
                select 'operator', 'old-' || n, 'f', 'a-' || n, now() - interval '2 days' from generate_series(1, 2500) n
                """);
        jdbc.update("""
                insert into assignment.idempotency_keys (caller, key, fingerprint, assignment_id)
                values ('operator', 'fresh', 'f', 'a-fresh')
                """);

        assertThat(forget.forget()).isEqualTo(2500);
        assertThat(jdbc.queryForList("select key from assignment.idempotency_keys", String.class)).containsExactly("fresh");
    }

    @Test
    void aRefusalNamesNoOtherTenantsAssignmentOrTenant() throws Exception {
        String globex = id(assign("operator-token", null,
                "{\"tenant\":\"globex\",\"node\":\"n1\",\"devices\":[\"0000:01:00.0\"]}"));

        MvcTestResult refused = assign("acme-token", null, ONE_GPU);

        assertThat(refused).hasStatus(HttpStatus.CONFLICT);
        assertThat(refused).bodyJson().extractingPath("$.violations[0].rule").isEqualTo("DEVICE_BUSY");
        String body = refused.getResponse().getContentAsString();
        assertThat(body).doesNotContain(globex).doesNotContain("globex");
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
