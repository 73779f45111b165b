package io.vfleet.assignment.adapter.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.vfleet.assignment.support.ServiceTest;
import io.vfleet.assignment.support.ServiceTestBase;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.test.web.servlet.assertj.MockMvcTester;
import org.springframework.test.web.servlet.assertj.MvcTestResult;

/**
 * Bad input is 400 naming the field and why, as an {@code urn:vfleet:problem:bad-request} problem,
 * and changes nothing: after each case there is no assignment, no hold on a device, no audit event,
 * no idempotency key, no tenant, and the agents heard nothing.
 */
@ServiceTest
class BadInputTest extends ServiceTestBase {

    @Autowired
    MockMvcTester mvc;

    @AfterEach
    void nothingWasStored() {
        for (String table : new String[] {"assignments", "assignment_devices", "audit_events", "idempotency_keys",
                "tenants", "quotas", "tenant_ioas", "tenant_usage", "assignment_changes"}) {
            assertThat(jdbc.queryForObject("select count(*) from assignment." + table, Integer.class)).as(table).isZero();
        }
        assertThat(agents.calls()).isEmpty();
    }

    private MvcTestResult assign(String body) {
        return mvc.post().uri("/api/v1/assignments").header("Authorization", "Bearer operator-token")
                .contentType(MediaType.APPLICATION_JSON).content(body).exchange();
    }

    private static void assertBadRequest(MvcTestResult result, String field) {
        assertThat(result).hasStatus(HttpStatus.BAD_REQUEST);
        assertThat(result).hasContentType(MediaType.APPLICATION_PROBLEM_JSON);
        assertThat(result).bodyJson().extractingPath("$.type").isEqualTo("urn:vfleet:problem:bad-request");
        assertThat(result).bodyJson().extractingPath("$.errors[0].field").isEqualTo(field);
        assertThat(result).bodyJson().extractingPath("$.detail").asString().startsWith(field + " ");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            a BDF that is not one            | {"tenant":"acme","node":"n1","devices":["01:00.0"]}                         | devices[0]
            no tenant                        | {"node":"n1","devices":["0000:01:00.0"]}                                    | tenant
            a tenant name with spaces        | {"tenant":"a b","node":"n1","devices":["0000:01:00.0"]}                     | tenant
            devices and a selector           | {"tenant":"acme","node":"n1","devices":["0000:01:00.0"],"selector":{"count":1}} | devices
            neither                          | {"tenant":"acme"}                                                           | devices
            devices without a node           | {"tenant":"acme","devices":["0000:01:00.0"]}                                | node
            a count of zero                  | {"tenant":"acme","selector":{"count":0}}                                    | selector.count
            a count over 64                  | {"tenant":"acme","selector":{"count":65}}                                   | selector.count
            no count                         | {"tenant":"acme","selector":{"vendorId":"0x10de"}}                          | selector.count
            a count that is text             | {"tenant":"acme","selector":{"count":"two"}}                                | selector.count
            a count of one and a half        | {"tenant":"acme","selector":{"count":1.5}}                                  | selector.count
            a count that is a numeral string | {"tenant":"acme","selector":{"count":"2"}}                                  | selector.count
            a vendor that is not hex         | {"tenant":"acme","selector":{"vendorId":"0xzz","count":1}}                  | selector.vendorId
            a vendor over 16 bits            | {"tenant":"acme","selector":{"vendorId":"0x10000","count":1}}               | selector.vendorId
            a device id over 16 bits         | {"tenant":"acme","selector":{"deviceId":"65536","count":1}}                 | selector.deviceId
            a class code over 24 bits        | {"tenant":"acme","selector":{"class":"0x1000000","count":1}}                | selector.class
            a PCI id given as a number       | {"tenant":"acme","selector":{"vendorId":4318,"count":1}}                    | selector.vendorId
            a device twice                   | {"tenant":"acme","node":"n1","devices":["0000:01:00.0","0000:01:00.0"]}     | devices
            an unknown field                 | {"tenant":"acme","node":"n1","devices":["0000:01:00.0"],"withKVM":true}     | withKVM
            an unknown selector field        | {"tenant":"acme","selector":{"count":1,"vendor":"0x10de"}}                  | selector.vendor
            kvm that is a string             | {"tenant":"acme","node":"n1","devices":["0000:01:00.0"],"withKvm":"yes"}    | withKvm
            a tenant that is a number        | {"tenant":5,"node":"n1","devices":["0000:01:00.0"]}                         | tenant
            devices that are a string        | {"tenant":"acme","node":"n1","devices":"0000:01:00.0"}                      | devices
            a node nobody registered         | {"tenant":"acme","node":"n9","devices":["0000:01:00.0"]}                    | node
            a selector on an unknown node    | {"tenant":"acme","node":"n9","selector":{"count":1}}                        | node
            """)
    void aBadAssignRequestIsRefusedNamingItsField(String what, String body, String field) {
        assertBadRequest(assign(body), field);
    }

    @Test
    void everyFieldAtFaultIsNamedInOneAnswer() {
        MvcTestResult result = assign("{\"tenant\":\"a b\",\"selector\":{\"vendorId\":\"0x10000\",\"class\":\"0x1000000\",\"count\":0}}");

        assertThat(result).hasStatus(HttpStatus.BAD_REQUEST);
        assertThat(result).bodyJson().extractingPath("$.errors[*].field").asArray()
                .containsExactly("tenant", "selector.vendorId", "selector.class", "selector.count");
    }

    @Test
    void sixtyFiveDevicesAreMoreThanAnAssignmentMayName() {
        StringBuilder devices = new StringBuilder();
        for (int index = 0; index < 65; index++) {
            devices.append(devices.isEmpty() ? "" : ",").append(String.format("\"0000:%02x:00.0\"", index));
        }

        assertBadRequest(assign("{\"tenant\":\"acme\",\"node\":\"n1\",\"devices\":[" + devices + "]}"), "devices");
    }

    @Test
    void anIdempotencyKeyTooLongOrWithSpacesIsRefusedNamingTheHeader() {
        for (String key : new String[] {"k".repeat(201), "two words"}) {
            MvcTestResult result = mvc.post().uri("/api/v1/assignments").header("Authorization", "Bearer operator-token")
                    .header("Idempotency-Key", key).contentType(MediaType.APPLICATION_JSON)
                    .content("{\"tenant\":\"acme\",\"node\":\"n1\",\"devices\":[\"0000:01:00.0\"]}").exchange();

            assertBadRequest(result, "Idempotency-Key");
        }
    }

    @Test
    void aBodyOverTheLimitIsRefusedUnread() {
        String padding = " ".repeat(17 * 1024);

        MvcTestResult result = assign("{\"tenant\":\"acme\",\"node\":\"n1\",\"devices\":[\"0000:01:00.0\"]}" + padding);

        assertThat(result).hasStatus(HttpStatus.PAYLOAD_TOO_LARGE);
        assertThat(result).hasContentType(MediaType.APPLICATION_PROBLEM_JSON);
        assertThat(result).bodyJson().extractingPath("$.type").isEqualTo("urn:vfleet:problem:payload-too-large");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            an unknown state        | /api/v1/assignments?state=SLEEPING             | state
            a page too large        | /api/v1/assignments?size=100000                | size
            a negative page         | /api/v1/assignments?page=-1                    | page
            a page that is a word   | /api/v1/assignments?page=first                 | page
            a tenant filter typo    | /api/v1/assignments?tenat=acme                 | tenat
            a bad tenant filter     | /api/v1/assignments?tenant=a%20b               | tenant
            an owner BDF            | /api/v1/audit/owner?device=nope                | device
            an owner without device | /api/v1/audit/owner?node=n1                    | device
            a time not a time       | /api/v1/audit/events?from=yesterday            | from
            an events BDF           | /api/v1/audit/events?device=01:00.0            | device
            a tenant name           | /api/v1/tenants/a%20b                          | tenant
            """)
    void aBadQueryParameterIsRefusedNamingIt(String what, String uri, String field) {
        // The URI as a client sends it, already encoded (a String would be encoded again: %2520).
        assertBadRequest(mvc.get().uri(java.net.URI.create(uri)).header("Authorization", "Bearer operator-token").exchange(), field);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            a negative quota          | {"maxDevices":-1,"maxPinnedBytes":0,"noiommuAllowed":false}           | maxDevices
            a quota over 2^31         | {"maxDevices":2147483648,"maxPinnedBytes":0,"noiommuAllowed":false}   | maxDevices
            a fraction of a device    | {"maxDevices":1.5,"maxPinnedBytes":0,"noiommuAllowed":false}          | maxDevices
            a missing noiommu         | {"maxDevices":1,"maxPinnedBytes":0}                                   | noiommuAllowed
            noiommu as a string       | {"maxDevices":1,"maxPinnedBytes":0,"noiommuAllowed":"false"}          | noiommuAllowed
            an unknown field          | {"maxDevices":1,"maxPinnedBytes":0,"noiommuAllowed":false,"max":2}    | max
            """)
    void aBadTenantPolicyIsRefusedNamingItsField(String what, String body, String field) {
        assertBadRequest(mvc.put().uri("/api/v1/tenants/acme").header("Authorization", "Bearer operator-token")
                .contentType(MediaType.APPLICATION_JSON).content(body).exchange(), field);
    }

    @Test
    void aResetBodyWithAnUnknownFieldIsRefusedBeforeTheAssignmentIsLookedUp() {
        assertBadRequest(mvc.post().uri("/api/v1/assignments/no-such-id/reset").header("Authorization", "Bearer operator-token")
                .contentType(MediaType.APPLICATION_JSON).content("{\"devices\":\"0000:01:00.0\"}").exchange(), "devices");
    }
}
