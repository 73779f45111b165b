package io.vfleet.assignment.domain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.EnumSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class AssignmentStateTest {

    @Test
    void theHappyPathIsLegalStepByStep() {
        AssignmentState state = AssignmentState.REQUESTED;
        for (AssignmentState next : new AssignmentState[] {AssignmentState.PREPARING, AssignmentState.ACTIVE,
                AssignmentState.RELEASING, AssignmentState.RELEASED}) {
            state = state.become(next);
        }
        assertThat(state).isEqualTo(AssignmentState.RELEASED);
    }

    @Test
    void aReleaseThatAnEarlierVersionLeftResettingCanStillFinish() {
        assertThat(AssignmentState.RELEASING.become(AssignmentState.RESETTING).become(AssignmentState.RELEASED))
                .isEqualTo(AssignmentState.RELEASED);
    }

    @Test
    void aReleaseNeverGoesBackToActive() {
        assertThatThrownBy(() -> AssignmentState.RELEASING.become(AssignmentState.ACTIVE))
                .isInstanceOf(AssignmentState.IllegalTransition.class)
                .hasMessageContaining("RELEASING cannot become ACTIVE");
    }

    @Test
    void anActiveAssignmentCannotFailWithoutBeingReleased() {
        assertThat(AssignmentState.ACTIVE.canBecome(AssignmentState.FAILED)).isFalse();
    }

    @ParameterizedTest
    @EnumSource(value = AssignmentState.class, names = {"RELEASED", "FAILED"})
    void terminalStatesGoNowhereAndHoldNothing(AssignmentState terminal) {
        assertThat(terminal.successors()).isEmpty();
        assertThat(terminal.holdsDevices()).isFalse();
    }

    @Test
    void everyStateButTheTerminalOnesIsReachableFromRequested() {
        Set<AssignmentState> reached = EnumSet.of(AssignmentState.REQUESTED);
        boolean grew = true;
        while (grew) {
            grew = false;
            for (AssignmentState state : EnumSet.copyOf(reached)) {
                grew |= reached.addAll(state.successors());
            }
        }
        assertThat(reached).containsExactlyInAnyOrder(AssignmentState.values());
    }
}
