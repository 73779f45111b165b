package io.vfleet.agent.vmm;

/**
 * Named points inside the node operations, where a test holds an operation to race another call
 * against it (and to prove that it held there). The agent itself passes {@link #NONE}.
 */
@FunctionalInterface
public interface Checkpoints {

    /**
     * A hot reset (or the set reset of a release) has bound the fenced free members of the reset set to
     * the assignment's iommufd and has not reset yet.
     */
    String FENCED_MEMBERS_BOUND = "fenced-members-bound";

    /** Called on the operation's thread at {@code point}, while the operation holds the agent. */
    void reached(String point, String assignmentId);

    Checkpoints NONE = (point, assignmentId) -> { };
}
