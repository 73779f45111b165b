package io.vfleet.agent.vmm;

import java.util.List;

/**
 * What the agent knows of one assignment: what was ordered, the highest epoch seen for it, and what
 * is prepared, or null when nothing is (released, or the last Prepare failed). Kept after release so
 * that a stale call for it is still recognised.
 */
public record Assignment(String id, String tenant, List<String> devices, boolean withKvm, long epoch, Prepared prepared) {
    public Assignment {
        devices = List.copyOf(devices);
    }

    public boolean holdsDevices() {
        return prepared != null;
    }

    Assignment withEpoch(long newEpoch) {
        return new Assignment(id, tenant, devices, withKvm, newEpoch, prepared);
    }

    Assignment released() {
        return new Assignment(id, tenant, devices, withKvm, epoch, null);
    }
}
