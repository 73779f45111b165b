package io.vfleet.assignment.adapter.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.vfleet.assignment.support.ServiceTest;
import io.vfleet.assignment.support.ServiceTestBase;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.test.web.servlet.assertj.MockMvcTester;
import org.springframework.test.web.servlet.assertj.MvcTestResult;

/** Bad input is 400 naming the field, and changes nothing. */
@ServiceTest
class BadInputTest extends ServiceTestBase {

    @Autowired
    MockMvcTester mvc;

    @AfterEach
    void nothingChanged() {
        assertThat(jdbc.queryForObject("select count(*) from assignment.assignments", Integer.class)).isZero();
        assertThat(jdbc.queryForObject("select count(*) from assignment.audit_events", Integer.class)).isZero();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            a BDF that is not one      | {"tenant":"acme","node":"n1","devices":["01:00.0"]}                 | devices[0]
            no tenant                  | {"node":"n1","devices":["0000:01:00.0"]}                            | tenant
            a tenant name with spaces  | {"tenant":"a b","node":"n1","devices":["0000:01:00.0"]}             | tenant
            devices and a selector     | {"tenant":"acme","node":"n1","devices":["0000:01:00.0"],"selector":{"count":1}} | devices
            neither                    | {"tenant":"acme"}                                                   | devices
            devices without a node     | {"tenant":"acme","devices":["0000:01:00.0"]}                        | node
            a count of zero            | {"tenant":"acme","selector":{"count":0}}                            | selector.count
            a count that is text       | {"tenant":"acme","selector":{"count":"two"}}                        | selector.count
            a vendor that is not hex   | {"tenant":"acme","selector":{"vendorId":"0xzz","count":1}}          | selector.vendorId
            a device twice             | {"tenant":"acme","node":"n1","devices":["0000:01:00.0","0000:01:00.0"]} | devices
            JSON that is not JSON      | {"tenant":                                                          | body
            """)
    void aBadAssignRequestIsRefusedNamingItsField(String what, String body, String field) {
        MvcTestResult result = mvc.post().uri("/api/v1/assignments").header("Authorization", "Bearer operator-token")
                .contentType(MediaType.APPLICATION_JSON).content(body).exchange();

        assertThat(result).hasStatus(HttpStatus.BAD_REQUEST);
        assertThat(result).bodyJson().extractingPath("$.errors[0].field").isEqualTo(field);
        assertThat(result).bodyJson().extractingPath("$.detail").asString().startsWith(field);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            an unknown state  | /api/v1/assignments?state=SLEEPING         | state
            a page too large  | /api/v1/assignments?size=100000            | size
            a negative page   | /api/v1/assignments?page=-1                | page
            an owner BDF      | /api/v1/audit/owner?device=nope            | device
            a time not a time | /api/v1/audit/events?from=yesterday        | from
            """)
    void aBadQueryParameterIsRefusedNamingIt(String what, String uri, String field) {
        MvcTestResult result = mvc.get().uri(uri).header("Authorization", "Bearer operator-token").exchange();

        assertThat(result).hasStatus(HttpStatus.BAD_REQUEST);
        assertThat(result).bodyJson().extractingPath("$.errors[0].field").isEqualTo(field);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            a negative quota      | {"maxDevices":-1,"maxPinnedBytes":0,"noiommuAllowed":false} | maxDevices
            a missing noiommu     | {"maxDevices":1,"maxPinnedBytes":0}                         | noiommuAllowed
            """)
    void aBadTenantPolicyIsRefusedNamingItsField(String what, String body, String field) {
        MvcTestResult result = mvc.put().uri("/api/v1/tenants/acme").header("Authorization", "Bearer operator-token")
                .contentType(MediaType.APPLICATION_JSON).content(body).exchange();

        assertThat(result).hasStatus(HttpStatus.BAD_REQUEST);
        assertThat(result).bodyJson().extractingPath("$.errors[0].field").isEqualTo(field);
    }
}
