package io.vfleet.assignment.domain;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class AdmissionTest {

    private static Admission.Request request(List<String> devices) {
        return new Admission.Request("acme", devices, TenantPolicy.defaults("acme"), TenantUsage.NONE);
    }

    @Test
    void aCleanRequestPasses() {
        assertThat(Admission.check(request(List.of("0000:02:00.0", "0000:02:00.1")), SampleNode.state().build())).isEmpty();
    }

    @Test
    void everyViolationIsListedAtOnce() {
        NodeState state = SampleNode.state().owned("globex", "g-1", "0000:01:00.0").build();
        Admission.Request request = new Admission.Request("acme",
                List.of("0000:01:00.0", "0000:02:00.0", "0000:05:00.0", "0000:09:00.0"),
                new TenantPolicy("acme", 2, 1, false), TenantUsage.NONE);

        assertThat(Admission.check(request, state))
                .extracting(Violation::rule)
                .containsExactlyInAnyOrder(
                        Violation.Rule.NO_MATCHING_DEVICE,
                        Violation.Rule.NOIOMMU_NOT_ALLOWED,
                        Violation.Rule.DEVICE_BUSY,
                        Violation.Rule.GROUP_ISOLATION,
                        Violation.Rule.QUOTA);
    }

    @Test
    void aDeviceKeptByTheHostIsNoMatchingDevice() {
        assertThat(Admission.check(request(List.of("0000:00:01.0")), SampleNode.state().build()))
                .extracting(Violation::rule).contains(Violation.Rule.NO_MATCHING_DEVICE);
    }

    @Test
    void aNodeWhoseAgentIsNotLiveIsUnreachable() {
        NodeTopology down = new NodeTopology("n1", false, false, SampleNode.topology().devices());

        assertThat(Admission.check(request(List.of("0000:01:00.0")), NodeState.idle(down)))
                .extracting(Violation::rule).containsExactly(Violation.Rule.NODE_UNREACHABLE);
    }
}
