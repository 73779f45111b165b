package io.vfleet.engine.snapshot;

import io.vfleet.engine.Host;
import io.vfleet.engine.JournalEntry;
import io.vfleet.engine.topology.HostTopology;
import io.vfleet.engine.vfio.VfioDevice;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A host's whole state as plain records, so that the agent can restart without its VMs noticing:
 * same pids, fds, object IDs and devids, mappings, pins and memlock charges, bindings, attachments,
 * DMA ownership, group, container and KVM state, and reset counters.
 *
 * <p>The state is not serialised object by object. The engine is deterministic, so a snapshot is
 * the host's topology, the counters that outlive processes and the journal of the system calls
 * that built the live state ({@link Host#journal()}); {@link #restore()} boots the topology and
 * replays the journal ({@link JournalReplay}), checking every answer against the recorded one. How
 * the records are stored is the caller's business: the engine neither writes nor reads files.
 *
 * @param journal the compacted journal, in call order; it has no {@link JournalEntry.Exit}
 */
public record HostSnapshot(HostTopology topology, Counters counters, List<JournalEntry> journal) {
    public HostSnapshot {
        journal = List.copyOf(journal);
    }

    /**
     * What outlives the processes that made it, so the journal (which forgets exited processes)
     * cannot rebuild it: set after the replay.
     *
     * @param nextPid  the pid the next spawn gets
     * @param nextVmId the number the next KVM_CREATE_VM gives its VM
     * @param users    every user known to the host, with the pages its processes pinned in USER
     *                 accounting mode; the replay must arrive at the same count by itself, so this
     *                 also checks the replay
     * @param devices  every vfio device's resets so far and whether it waits for one
     */
    public record Counters(int nextPid, int nextVmId, List<User> users, List<DeviceResets> devices) {
        public Counters {
            users = List.copyOf(users);
            devices = List.copyOf(devices);
        }
    }

    /** A user and the pages its processes have pinned in USER accounting mode. */
    public record User(int uid, long lockedPages) {
    }

    /** A vfio device's resets so far ({@code VfioDevice.resets()}) and whether it waits for one. */
    public record DeviceResets(String name, long resets, boolean needsReset) {
    }

    /**
     * The snapshot of {@code host}, taken under the host lock: one consistent state. Entries are
     * immutable records, so taking them costs a list copy and nothing holds the host afterwards.
     */
    public static HostSnapshot of(Host host) {
        return host.inspect(() -> {
            List<User> users = new ArrayList<>();
            for (Map.Entry<Integer, Long> user : host.lockedPagesByUser().entrySet()) {
                users.add(new User(user.getKey(), user.getValue()));
            }
            List<DeviceResets> devices = new ArrayList<>();
            for (VfioDevice device : host.vfioDevices()) {
                devices.add(new DeviceResets(device.name(), device.resets(), device.needsReset()));
            }
            return new HostSnapshot(host.topology(), new Counters(host.nextPid(), host.nextVmId(), users, devices),
                    host.journal());
        });
    }

    /**
     * Boots the topology and replays the journal. A replayed call that answers differently from the
     * recorded one, or counters the replay does not reach, is a {@link SnapshotException} naming the
     * journal entry, and no host is returned.
     */
    public Host restore() {
        return JournalReplay.restore(this);
    }
}
