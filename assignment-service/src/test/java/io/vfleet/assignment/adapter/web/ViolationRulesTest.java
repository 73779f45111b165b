package io.vfleet.assignment.adapter.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.vfleet.assignment.support.Fleet;
import io.vfleet.assignment.support.ServiceTest;
import io.vfleet.assignment.support.ServiceTestBase;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.test.web.servlet.assertj.MockMvcTester;
import org.springframework.test.web.servlet.assertj.MvcTestResult;

/** Each rule refuses through the API with 409 and its violation, and changes nothing. */
@ServiceTest
class ViolationRulesTest extends ServiceTestBase {

    @Autowired
    MockMvcTester mvc;

    MvcTestResult assign(String body) {
        return mvc.post().uri("/api/v1/assignments").header("Authorization", "Bearer operator-token")
                .contentType(MediaType.APPLICATION_JSON).content(body).exchange();
    }

    String idOf(MvcTestResult result) throws Exception {
        return com.jayway.jsonpath.JsonPath.read(result.getResponse().getContentAsString(), "$.id");
    }

    void assertRefused(MvcTestResult result, String rule, String device) {
        assertThat(result).hasStatus(HttpStatus.CONFLICT);
        assertThat(result).headers().hasValue("Content-Type", "application/problem+json");
        assertThat(result).bodyJson().extractingPath("$.type").isEqualTo("urn:vfleet:problem:assignment-refused");
        assertThat(result).bodyJson().extractingPath("$.violations[0].rule").isEqualTo(rule);
        if (device != null) {
            assertThat(result).bodyJson().extractingPath("$.violations[0].device").isEqualTo(device);
        }
    }

    int held() {
        return jdbc.queryForObject("select count(*) from assignment.assignment_devices where held", Integer.class);
    }

    @Test
    void aDeviceOwnedByAnotherAssignmentIsDeviceBusy() {
        assertThat(assign("{\"tenant\":\"acme\",\"node\":\"n1\",\"devices\":[\"0000:01:00.0\"]}")).hasStatus(HttpStatus.CREATED);

        assertRefused(assign("{\"tenant\":\"globex\",\"node\":\"n1\",\"devices\":[\"0000:01:00.0\"]}"),
                "DEVICE_BUSY", "0000:01:00.0");
        assertThat(held()).isEqualTo(1);
    }

    @Test
    void halfAnIommuGroupIsGroupIsolation() {
        assertRefused(assign("{\"tenant\":\"acme\",\"node\":\"n1\",\"devices\":[\"0000:02:00.0\"]}"),
                "GROUP_ISOLATION", "0000:02:00.1");
        assertThat(held()).isZero();
    }

    @Test
    void aResetReachingAnotherTenantsDeviceIsResetSet() throws Exception {
        String acme = idOf(assign("{\"tenant\":\"acme\",\"node\":\"n1\",\"devices\":[\"0000:03:00.0\"]}"));
        assign("{\"tenant\":\"globex\",\"node\":\"n1\",\"devices\":[\"0000:03:00.1\"]}");

        MvcTestResult reset = mvc.post().uri("/api/v1/assignments/" + acme + "/reset")
                .header("Authorization", "Bearer operator-token").exchange();

        assertRefused(reset, "RESET_SET", "0000:03:00.1");
        assertThat(agents.calls()).noneMatch(call -> call.startsWith("hot-reset"));
    }

    @Test
    void aResetFencesTheFreeMembersOfItsSetAndLiftsTheFencesAfterwards() throws Exception {
        String acme = idOf(assign("{\"tenant\":\"acme\",\"node\":\"n1\",\"devices\":[\"0000:03:00.0\"]}"));

        assertThat(mvc.post().uri("/api/v1/assignments/" + acme + "/reset")
                .header("Authorization", "Bearer operator-token")).hasStatusOk();

        assertThat(jdbc.queryForObject("select count(*) from assignment.assignment_devices where role = 'FENCE'",
                Integer.class)).isEqualTo(1);
        assertThat(jdbc.queryForObject("select count(*) from assignment.assignment_devices where role = 'FENCE' and held",
                Integer.class)).isZero();
    }

    @Test
    void moreDevicesThanTheQuotaIsQuota() {
        mvc.put().uri("/api/v1/tenants/acme").header("Authorization", "Bearer operator-token")
                .contentType(MediaType.APPLICATION_JSON)
                .content("{\"maxDevices\":1,\"maxPinnedBytes\":0,\"noiommuAllowed\":false}").exchange();

        assertRefused(assign("{\"tenant\":\"acme\",\"node\":\"n1\",\"devices\":[\"0000:02:00.0\",\"0000:02:00.1\"]}"),
                "QUOTA", null);
        assertRefused(assign("{\"tenant\":\"acme\",\"selector\":{\"vendorId\":\"0x10de\",\"count\":2}}"), "QUOTA", null);
    }

    @Test
    void aNoiommuDeviceForATenantNotAllowedIsNoiommuNotAllowed() {
        topologies.replace(Fleet.node("n3", true, true), 3);

        assertRefused(assign("{\"tenant\":\"acme\",\"node\":\"n3\",\"devices\":[\"0000:05:00.0\"]}"),
                "NOIOMMU_NOT_ALLOWED", "0000:05:00.0");

        mvc.put().uri("/api/v1/tenants/acme").header("Authorization", "Bearer operator-token")
                .contentType(MediaType.APPLICATION_JSON)
                .content("{\"maxDevices\":4,\"maxPinnedBytes\":0,\"noiommuAllowed\":true}").exchange();
        assertThat(assign("{\"tenant\":\"acme\",\"node\":\"n3\",\"devices\":[\"0000:05:00.0\"]}"))
                .hasStatus(HttpStatus.CREATED);
    }

    @Test
    void anAgentThatCannotBeReachedIsNodeUnreachableAndTheAssignmentFails() throws Exception {
        agents.unreachable("n1", true);

        MvcTestResult refused = assign("{\"tenant\":\"acme\",\"node\":\"n1\",\"devices\":[\"0000:01:00.0\"]}");

        assertRefused(refused, "NODE_UNREACHABLE", null);
        String id = com.jayway.jsonpath.JsonPath.read(refused.getResponse().getContentAsString(), "$.assignmentId");
        assertThat(mvc.get().uri("/api/v1/assignments/" + id).header("Authorization", "Bearer operator-token"))
                .bodyJson().extractingPath("$.state").isEqualTo("FAILED");
        assertThat(held()).isZero();
    }

    @Test
    void aNodeWhoseAgentIsNotLiveIsNodeUnreachableBeforeAnythingIsRecorded() {
        topologies.replace(Fleet.node("n3", false, false), 3);

        assertRefused(assign("{\"tenant\":\"acme\",\"node\":\"n3\",\"devices\":[\"0000:01:00.0\"]}"),
                "NODE_UNREACHABLE", null);
        assertThat(jdbc.queryForObject("select count(*) from assignment.assignments", Integer.class)).isZero();
    }

    @Test
    void aSelectorNothingMatchesIsNoMatchingDevice() {
        assertRefused(assign("{\"tenant\":\"acme\",\"selector\":{\"vendorId\":\"0x1002\",\"count\":1}}"),
                "NO_MATCHING_DEVICE", null);
        assertRefused(assign("{\"tenant\":\"acme\",\"node\":\"n1\",\"devices\":[\"0000:09:00.0\"]}"),
                "NO_MATCHING_DEVICE", "0000:09:00.0");
    }

    @Test
    void aDeviceAwaitingItsScrubIsBusyForAnotherTenantUntilItsResetSetCloses() throws Exception {
        agents.withoutFunctionReset("0000:03:00.0");
        String first = idOf(assign("{\"tenant\":\"acme\",\"node\":\"n1\",\"devices\":[\"0000:03:00.0\"]}"));
        String neighbour = idOf(assign("{\"tenant\":\"acme\",\"node\":\"n1\",\"devices\":[\"0000:03:00.1\"]}"));
        mvc.delete().uri("/api/v1/assignments/" + first).header("Authorization", "Bearer operator-token").exchange();

        assertRefused(assign("{\"tenant\":\"globex\",\"node\":\"n1\",\"devices\":[\"0000:03:00.0\"]}"),
                "DEVICE_BUSY", "0000:03:00.0");

        mvc.delete().uri("/api/v1/assignments/" + neighbour).header("Authorization", "Bearer operator-token").exchange();
        assertThat(assign("{\"tenant\":\"globex\",\"node\":\"n1\",\"devices\":[\"0000:03:00.0\"]}"))
                .hasStatus(HttpStatus.CREATED);
    }
}
