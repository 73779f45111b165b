package io.vfleet.engine.snapshot;

/**
 * Host state that outlives the processes that made it, so the journal (which forgets exited
 * processes) cannot rebuild it: a snapshot carries it beside the journal and sets it after the
 * replay. One line of the snapshot's {@code counters} section each.
 */
sealed interface SnapshotCounter {

    /** The pid the next spawn gets and the number the next KVM_CREATE_VM gives its VM. */
    record NextIds(int nextPid, int nextVmId) implements SnapshotCounter {
    }

    /**
     * A user known to the host, with the pages its processes have pinned in USER accounting mode;
     * the replay must arrive at the same count by itself, so this also checks the replay.
     */
    record User(int uid, long lockedPages) implements SnapshotCounter {
    }

    /** A vfio device's resets so far ({@code VfioDevice.resets()}) and whether it waits for one. */
    record Device(String name, long resets, boolean needsReset) implements SnapshotCounter {
    }
}
