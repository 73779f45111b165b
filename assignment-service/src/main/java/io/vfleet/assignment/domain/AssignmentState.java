package io.vfleet.assignment.domain;

import java.util.EnumSet;
import java.util.Set;

/**
 * The life of an assignment: {@code PREPARING → ACTIVE → RELEASING → RELEASED}, or {@code FAILED}
 * with a reason.
 *
 * <p>Each state is persisted before the remote call that the next one stands for, so after a crash
 * the state says which agent call may have happened and {@code ReconcileNode} knows what to ask:
 * PREPARING is stored (with the devices' holds) before the agent prepares, ACTIVE or FAILED once it
 * answered; RELEASING before the agent releases, RELEASED (with the scrub bookkeeping) once it answered.
 * A state that {@linkplain #holdsDevices() holds devices} keeps them out of every other assignment.
 *
 * <p>{@code REQUESTED} (decided, agent not yet asked) and {@code RESETTING} (the agent released,
 * bookkeeping not yet stored) are steps a decision passes through in memory; the service stores
 * neither any more, but assignments an earlier version left in them are still finished by
 * reconciliation, so both keep their transitions.
 */
public enum AssignmentState {
    REQUESTED,
    PREPARING,
    ACTIVE,
    RELEASING,
    RESETTING,
    RELEASED,
    FAILED;

    /** The states this one may move to. */
    public Set<AssignmentState> successors() {
        return switch (this) {
            // Nothing was sent to the agent yet: a failure before the call frees the devices.
            case REQUESTED -> EnumSet.of(PREPARING, FAILED);
            // A release may overtake a prepare whose outcome is unknown; its newer epoch wins.
            case PREPARING -> EnumSet.of(ACTIVE, FAILED, RELEASING);
            case ACTIVE -> EnumSet.of(RELEASING);
            case RELEASING -> EnumSet.of(RELEASED, RESETTING);
            case RESETTING -> EnumSet.of(RELEASED);
            case RELEASED, FAILED -> EnumSet.noneOf(AssignmentState.class);
        };
    }

    public boolean canBecome(AssignmentState next) {
        return successors().contains(next);
    }

    /** Refuses an illegal transition, naming both ends. */
    public AssignmentState become(AssignmentState next) {
        if (!canBecome(next)) {
            throw new IllegalTransition(this, next);
        }
        return next;
    }

    public boolean isTerminal() {
        return this == RELEASED || this == FAILED;
    }

    /** Whether an assignment in this state keeps its devices from everyone else. */
    public boolean holdsDevices() {
        return !isTerminal();
    }

    /** A transition the state machine does not have. */
    public static final class IllegalTransition extends RuntimeException {
        private final AssignmentState from;
        private final AssignmentState to;

        IllegalTransition(AssignmentState from, AssignmentState to) {
            super("an assignment in state " + from + " cannot become " + to + " (it may become " + from.successors() + ")");
            this.from = from;
            this.to = to;
        }

        public AssignmentState from() {
            return from;
        }

        public AssignmentState to() {
            return to;
        }
    }
}
