package io.vfleet.assignment.domain;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class ScrubBetweenTenantsTest {

    @Test
    void aDeviceAwaitingItsScrubIsBusyForAnotherTenantOnly() {
        NodeState state = SampleNode.state().scrubPending("acme", "0000:03:00.0").build();

        assertThat(ScrubBetweenTenants.check("globex", List.of("0000:03:00.0"), state))
                .extracting(Violation::rule).containsExactly(Violation.Rule.DEVICE_BUSY);
        assertThat(ScrubBetweenTenants.check("acme", List.of("0000:03:00.0"), state)).isEmpty();
    }

    @Test
    void aDeviceLeftToTheSetResetStaysPendingWhileItsSetIsStillOpen() {
        NodeState afterRelease = SampleNode.state().owned("globex", "g-1", "0000:03:00.1").build();

        assertThat(ScrubBetweenTenants.pendingAfterRelease("acme", List.of("0000:03:00.0"), afterRelease))
                .containsEntry("0000:03:00.0", "acme");
    }

    @Test
    void aDeviceLeftToTheSetResetIsScrubbedWhenItsSetCloses() {
        assertThat(ScrubBetweenTenants.pendingAfterRelease("acme", List.of("0000:03:00.0"), SampleNode.state().build()))
                .isEmpty();
    }

    @Test
    void aPendingDeviceIsScrubbedOnceTheLastOpenedMemberOfItsSetCloses() {
        NodeState stillOpen = SampleNode.state()
                .owned("globex", "g-1", "0000:03:00.1")
                .scrubPending("acme", "0000:03:00.0")
                .build();
        NodeState closed = SampleNode.state().scrubPending("acme", "0000:03:00.0").build();

        assertThat(ScrubBetweenTenants.scrubbedNow(stillOpen)).isEmpty();
        assertThat(ScrubBetweenTenants.scrubbedNow(closed)).containsExactly("0000:03:00.0");
    }
}
