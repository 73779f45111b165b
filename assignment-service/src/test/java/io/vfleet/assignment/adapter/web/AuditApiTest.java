package io.vfleet.assignment.adapter.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.vfleet.assignment.support.ServiceTest;
import io.vfleet.assignment.support.ServiceTestBase;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.MediaType;
import org.springframework.test.web.servlet.assertj.MockMvcTester;
import org.springframework.test.web.servlet.assertj.MvcTestResult;

@ServiceTest
class AuditApiTest extends ServiceTestBase {

    @Autowired
    MockMvcTester mvc;

    String assignAndRelease(String tenant, String device) throws Exception {
        MvcTestResult created = mvc.post().uri("/api/v1/assignments").header("Authorization", "Bearer operator-token")
                .contentType(MediaType.APPLICATION_JSON)
                .content("{\"tenant\":\"" + tenant + "\",\"node\":\"n1\",\"devices\":[\"" + device + "\"]}").exchange();
        String id = com.jayway.jsonpath.JsonPath.read(created.getResponse().getContentAsString(), "$.id");
        mvc.delete().uri("/api/v1/assignments/" + id).header("Authorization", "Bearer operator-token").exchange();
        return id;
    }

    @Test
    void everyStateChangeIsAnEventInOrder() throws Exception {
        String id = assignAndRelease("acme", "0000:01:00.0");

        MvcTestResult events = mvc.get().uri("/api/v1/audit/events?device=0000:01:00.0&tenant=acme")
                .header("Authorization", "Bearer auditor-token").exchange();

        assertThat(events).hasStatusOk();
        java.util.List<String> details = com.jayway.jsonpath.JsonPath.read(events.getResponse().getContentAsString(),
                "$.items[*].detail");
        assertThat(details).extracting(detail -> detail.split(":", -1)[0])
                .containsExactly("PREPARING", "ACTIVE", "RELEASING", "RELEASED");
        assertThat(events).bodyJson().extractingPath("$.items[*].sequence").asArray().containsExactly(1, 2, 3, 4);
        assertThat(events).bodyJson().extractingPath("$.items[0].assignmentId").isEqualTo(id);
        assertThat(mvc.get().uri("/api/v1/audit/events?tenant=globex").header("Authorization", "Bearer auditor-token"))
                .bodyJson().extractingPath("$.total").isEqualTo(0);
    }

    @Test
    void theOwnerOfADeviceAtATimeIsTheTenantThatHeldItThen() throws Exception {
        String first = assignAndRelease("acme", "0000:01:00.0");
        Instant between = Instant.now();
        MvcTestResult created = mvc.post().uri("/api/v1/assignments").header("Authorization", "Bearer operator-token")
                .contentType(MediaType.APPLICATION_JSON)
                .content("{\"tenant\":\"globex\",\"node\":\"n1\",\"devices\":[\"0000:01:00.0\"]}").exchange();
        String second = com.jayway.jsonpath.JsonPath.read(created.getResponse().getContentAsString(), "$.id");
        Instant acmeTime = jdbc.queryForObject("""
                select at from assignment.audit_events where assignment_id = ? and detail = 'ACTIVE'
                """, java.time.OffsetDateTime.class, first).toInstant();

        assertThat(mvc.get().uri("/api/v1/audit/owner?device=0000:01:00.0&at=" + acmeTime)
                .header("Authorization", "Bearer auditor-token"))
                .bodyJson().extractingPath("$.owners[0].tenant").isEqualTo("acme");
        assertThat(mvc.get().uri("/api/v1/audit/owner?device=0000:01:00.0&node=n1&at=" + between)
                .header("Authorization", "Bearer auditor-token"))
                .bodyJson().extractingPath("$.owners").asArray().isEmpty();
        assertThat(mvc.get().uri("/api/v1/audit/owner?device=0000:01:00.0")
                .header("Authorization", "Bearer auditor-token"))
                .bodyJson().extractingPath("$.owners[0].assignmentId").isEqualTo(second);
    }

    @Test
    void everyEventNamesThePrincipalThatCausedIt() throws Exception {
        assignAndRelease("acme", "0000:01:00.0");

        MvcTestResult events = mvc.get().uri("/api/v1/audit/events?tenant=acme")
                .header("Authorization", "Bearer auditor-token").exchange();

        java.util.List<String> principals = com.jayway.jsonpath.JsonPath.read(events.getResponse().getContentAsString(),
                "$.items[*].principal");
        assertThat(principals).hasSize(4).containsOnly("operator:ops-team");
        assertThat(events).bodyJson().extractingPath("$.unlinked").isEqualTo(0);
    }

    @Test
    void anUntouchedLogVerifies() throws Exception {
        assignAndRelease("acme", "0000:01:00.0");
        mvc.post().uri("/api/v1/audit/checkpoints").header("Authorization", "Bearer auditor-token").exchange();
        assignAndRelease("globex", "0000:06:00.0");

        MvcTestResult verify = mvc.get().uri("/api/v1/audit/verify").header("Authorization", "Bearer auditor-token").exchange();

        assertThat(verify).bodyJson().extractingPath("$.intact").isEqualTo(true);
        assertThat(verify).bodyJson().extractingPath("$.checked").isEqualTo(8);
        assertThat(verify).bodyJson().extractingPath("$.size").isEqualTo(8);
        assertThat(verify).bodyJson().extractingPath("$.checkpoints[*].size").asArray().containsOnly(4);
    }

    @Test
    void theServicesRoleMayOnlyReadAndAppendTheAuditTables() throws Exception {
        assignAndRelease("acme", "0000:01:00.0");

        java.util.Map<String, String> aColumn = java.util.Map.of("audit_events", "detail", "audit_log", "sequence",
                "audit_tree", "hash", "audit_checkpoints", "note");
        aColumn.forEach((table, column) -> {
            for (String statement : java.util.List.of(
                    "update assignment." + table + " set " + column + " = " + column,
                    "delete from assignment." + table,
                    "truncate assignment." + table + " cascade",
                    "alter table assignment." + table + " disable trigger all",
                    "drop trigger " + table + "_append_only on assignment." + table)) {
                org.assertj.core.api.Assertions.assertThatThrownBy(() -> jdbc.execute(statement))
                        .as(statement).rootCause().hasMessageMatching("(?s).*(permission denied|must be owner).*");
            }
        });
        assertThat(jdbc.queryForObject("select count(*) from assignment.audit_events", Integer.class)).isEqualTo(4);
    }

    @Test
    void theOwnersTriggersRefuseUpdatesDeletesAndTruncation() throws Exception {
        assignAndRelease("acme", "0000:01:00.0");
        mvc.post().uri("/api/v1/audit/checkpoints").header("Authorization", "Bearer auditor-token").exchange();
        org.springframework.jdbc.core.JdbcTemplate owner =
                new org.springframework.jdbc.core.JdbcTemplate(io.vfleet.assignment.support.AssignmentDatabase.owner());

        for (String statement : java.util.List.of(
                "update assignment.audit_events set detail = 'x'",
                "delete from assignment.audit_log",
                "truncate assignment.audit_tree",
                "delete from assignment.audit_checkpoints")) {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> owner.execute(statement))
                    .as(statement).hasMessageContaining("append-only");
        }
    }
}
