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
class AssignmentApiTest extends ServiceTestBase {

    @Autowired
    MockMvcTester mvc;

    MvcTestResult post(String token, String body) {
        return mvc.post().uri("/api/v1/assignments").header("Authorization", "Bearer " + token)
                .contentType(MediaType.APPLICATION_JSON).content(body).exchange();
    }

    String assignGroup() throws Exception {
        MvcTestResult created = post("operator-token",
                "{\"tenant\":\"acme\",\"node\":\"n1\",\"devices\":[\"0000:02:00.0\",\"0000:02:00.1\"],\"withKvm\":true}");
        assertThat(created).hasStatus(HttpStatus.CREATED);
        return com.jayway.jsonpath.JsonPath.read(created.getResponse().getContentAsString(), "$.id");
    }

    @Test
    void assigningNamedDevicesAnswersTheActiveAssignmentWithDevidsAndTheTenantsIoas() {
        MvcTestResult created = post("operator-token",
                "{\"tenant\":\"acme\",\"node\":\"n1\",\"devices\":[\"0000:02:00.0\",\"0000:02:00.1\"],\"withKvm\":true}");

        assertThat(created).hasStatus(HttpStatus.CREATED);
        assertThat(created).headers().containsHeader("Location");
        assertThat(created).bodyJson().extractingPath("$.state").isEqualTo("ACTIVE");
        assertThat(created).bodyJson().extractingPath("$.node").isEqualTo("n1");
        assertThat(created).bodyJson().extractingPath("$.devices[1].bdf").isEqualTo("0000:02:00.1");
        assertThat(created).bodyJson().extractingPath("$.devices[1].iommuGroup").isEqualTo(11);
        assertThat(created).bodyJson().extractingPath("$.devices[1].resetSet").isEqualTo("bus:02");
        assertThat(created).bodyJson().extractingPath("$.devices[0].devid").isNotNull();
        assertThat(created).bodyJson().extractingPath("$.ioasId").isNotNull();
        assertThat(created).bodyJson().extractingPath("$.hwptIds").asArray().hasSize(1);
    }

    @Test
    void aSelectorPlacesWholeGroupsOnOneNode() {
        MvcTestResult created = post("operator-token",
                "{\"tenant\":\"acme\",\"selector\":{\"vendorId\":\"0x10de\",\"deviceId\":\"0x2330\",\"count\":3}}");

        assertThat(created).hasStatus(HttpStatus.CREATED);
        assertThat(created).bodyJson().extractingPath("$.node").isEqualTo("n1");
        assertThat(created).bodyJson().extractingPath("$.devices").asArray().hasSize(3);
    }

    @Test
    void getListReleaseAndResetGoThroughTheWholeLife() throws Exception {
        String id = assignGroup();

        assertThat(mvc.get().uri("/api/v1/assignments/" + id).header("Authorization", "Bearer auditor-token"))
                .hasStatusOk().bodyJson().extractingPath("$.state").isEqualTo("ACTIVE");
        assertThat(mvc.get().uri("/api/v1/assignments?tenant=acme&node=n1&state=ACTIVE&page=0&size=10")
                .header("Authorization", "Bearer operator-token"))
                .hasStatusOk().bodyJson().extractingPath("$.total").isEqualTo(1);
        assertThat(mvc.get().uri("/api/v1/assignments?state=RELEASED").header("Authorization", "Bearer operator-token"))
                .hasStatusOk().bodyJson().extractingPath("$.total").isEqualTo(0);

        assertThat(mvc.post().uri("/api/v1/assignments/" + id + "/reset").header("Authorization", "Bearer operator-token"))
                .hasStatusOk().bodyJson().extractingPath("$.affected").asArray().containsExactly("0000:02:00.0");

        assertThat(mvc.delete().uri("/api/v1/assignments/" + id).header("Authorization", "Bearer operator-token"))
                .hasStatusOk().bodyJson().extractingPath("$.state").isEqualTo("RELEASED");
        assertThat(agents.preparedIds("n1")).isEmpty();
        assertThat(mvc.delete().uri("/api/v1/assignments/" + id).header("Authorization", "Bearer operator-token"))
                .hasStatusOk().bodyJson().extractingPath("$.state").isEqualTo("RELEASED");
        assertThat(jdbc.queryForObject("select count(*) from assignment.assignment_devices where held", Integer.class))
                .isZero();
    }

    @Test
    void releasedDevicesCanBeAssignedAgain() throws Exception {
        String id = assignGroup();
        mvc.delete().uri("/api/v1/assignments/" + id).header("Authorization", "Bearer operator-token").exchange();

        assertThat(post("operator-token",
                "{\"tenant\":\"globex\",\"node\":\"n1\",\"devices\":[\"0000:02:00.0\",\"0000:02:00.1\"]}"))
                .hasStatus(HttpStatus.CREATED);
    }

    @Test
    void aTenantShowsItsPolicyUsageAndIoasPerNode() throws Exception {
        assertThat(mvc.put().uri("/api/v1/tenants/acme").header("Authorization", "Bearer operator-token")
                .contentType(MediaType.APPLICATION_JSON)
                .content("{\"maxDevices\":4,\"maxPinnedBytes\":1073741824,\"noiommuAllowed\":false}"))
                .hasStatusOk().bodyJson().extractingPath("$.maxDevices").isEqualTo(4);
        assignGroup();

        MvcTestResult tenant = mvc.get().uri("/api/v1/tenants/acme").header("Authorization", "Bearer acme-token").exchange();

        assertThat(tenant).hasStatusOk();
        assertThat(tenant).bodyJson().extractingPath("$.usage.devices").isEqualTo(2);
        assertThat(tenant).bodyJson().extractingPath("$.ioas[0].node").isEqualTo("n1");
    }

    @Test
    void theOpenApiDescriptionIsServed() {
        assertThat(mvc.get().uri("/v3/api-docs")).hasStatusOk()
                .bodyText().contains("/api/v1/assignments/{id}/reset").contains("/api/v1/audit/verify");
    }
}
