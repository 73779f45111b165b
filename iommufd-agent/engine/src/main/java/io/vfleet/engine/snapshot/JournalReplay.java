package io.vfleet.engine.snapshot;

import io.vfleet.engine.Errno;
import io.vfleet.engine.Host;
import io.vfleet.engine.JournalEntry;
import io.vfleet.engine.JournalEntry.AccessPin;
import io.vfleet.engine.JournalEntry.AccessUnpin;
import io.vfleet.engine.JournalEntry.Close;
import io.vfleet.engine.JournalEntry.Failed;
import io.vfleet.engine.JournalEntry.IoctlCall;
import io.vfleet.engine.JournalEntry.Mmap;
import io.vfleet.engine.JournalEntry.Munmap;
import io.vfleet.engine.JournalEntry.Open;
import io.vfleet.engine.JournalEntry.Replied;
import io.vfleet.engine.JournalEntry.Spawn;
import io.vfleet.engine.JournalEntry.VmCreated;
import io.vfleet.engine.KernelException;
import io.vfleet.engine.kvm.KvmFiles;
import io.vfleet.engine.process.KernelFile;
import io.vfleet.engine.topology.HostTopology;
import io.vfleet.engine.uapi.Ioctl;
import io.vfleet.engine.vfio.VfioDevice;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Rebuilds a host from a snapshot: boots its topology, re-runs every journaled call through the
 * host's ordinary system calls, then sets the counters that outlive processes.
 *
 * <p>Every call must answer as it did when it was recorded: the same pid, address, fd, reply
 * record (IDs, devids, IOVAs, byte counts), or for a recorded failure the same errno. A call that
 * answers differently means the snapshot does not describe a state this engine reaches, so the
 * replay stops with a {@link SnapshotException} naming the entry, its line and the difference,
 * and the half-built host is dropped: the caller gets either a whole host or none. Pids and VM
 * ids come from counters that exited processes have advanced, so the replay sets the counter to
 * the recorded value just before the call that takes one.
 */
final class JournalReplay {
    /** Lines of a snapshot section, and the line number of the first. */
    record Numbered<T>(List<T> values, int firstLine) {
    }

    private final Host host;
    private int entryNumber;
    private int line;

    private JournalReplay(Host host) {
        this.host = host;
    }

    static Host replay(HostTopology topology, Numbered<JournalEntry> journal, Numbered<SnapshotCounter> counters) {
        JournalReplay replay = new JournalReplay(Host.boot(topology));
        List<JournalEntry> entries = journal.values();
        for (int i = 0; i < entries.size(); i++) {
            replay.entryNumber = i + 1;
            replay.line = journal.firstLine() + i;
            replay.rerun(entries.get(i));
        }
        replay.restore(counters);
        return replay.host;
    }

    private void rerun(JournalEntry entry) {
        try {
            switch (entry) {
                case Spawn spawn -> {
                    host.restoreNextPid(spawn.pid());
                    expect("pid", spawn.pid(), host.spawn(spawn.spec()));
                }
                case Mmap mmap -> expect("address", mmap.address(), host.mmap(mmap.pid(), mmap.length(), mmap.prot()));
                case Munmap munmap -> host.munmap(munmap.pid(), munmap.address(), munmap.length());
                case Open open -> expect("fd", open.fd(), host.open(open.pid(), open.path(), open.flags()));
                case Close close -> host.close(close.pid(), close.fd());
                case IoctlCall call -> rerunIoctl(call);
                case AccessPin pin -> host.accessPin(pin.pid(), pin.deviceFd(), pin.pin());
                case AccessUnpin unpin -> host.accessUnpin(unpin.pid(), unpin.deviceFd(), unpin.iova(), unpin.length());
            }
        } catch (SnapshotException e) {
            throw e;
        } catch (KernelException e) {
            throw diverged(describe(entry) + " succeeded when recorded, now fails with " + e.getMessage(), e);
        } catch (RuntimeException | AssertionError e) {
            throw diverged(describe(entry) + " breaks the engine on replay: " + e, e);
        }
    }

    private void rerunIoctl(IoctlCall call) {
        switch (call.outcome()) {
            case Replied replied -> expect("reply", replied.reply(), host.ioctl(call.pid(), call.fd(), call.request()));
            case VmCreated created -> {
                host.restoreNextVmId(created.vmId());
                Object reply = host.ioctl(call.pid(), call.fd(), call.request());
                expect("reply", new Ioctl.KvmCreateVm.Reply(created.fd()), reply);
                expect("VM id", created.vmId(), host.inspect(() -> vmId(call.pid(), created.fd())));
            }
            case Failed failed -> {
                Errno errno;
                try {
                    host.ioctl(call.pid(), call.fd(), call.request());
                    errno = null;
                } catch (KernelException e) {
                    errno = e.errno();
                }
                if (errno != failed.errno()) {
                    throw diverged(describe(call) + " failed with " + failed.errno() + " when recorded, now "
                            + (errno == null ? "succeeds" : "fails with " + errno), null);
                }
            }
        }
    }

    private int vmId(int pid, int fd) {
        KernelFile file = host.process(pid).files().get(fd);
        if (!(file instanceof KvmFiles.Vm vm)) {
            throw new AssertionError("fd " + fd + " of pid " + pid + " is a " + file.kind() + " file, not a VM");
        }
        return vm.kvm().id();
    }

    /**
     * Sets what outlives processes, once the replay has rebuilt the rest. The memlock charge of
     * each user is rebuilt by the replay itself (every pin belongs to a live process), so the
     * recorded charge checks the replay instead of overwriting it.
     */
    private void restore(Numbered<SnapshotCounter> counters) {
        entryNumber = 0;
        Map<Integer, Long> replayedCharges = host.lockedPagesByUser();
        for (int i = 0; i < counters.values().size(); i++) {
            line = counters.firstLine() + i;
            switch (counters.values().get(i)) {
                case SnapshotCounter.NextIds ids -> {
                    host.restoreNextPid(ids.nextPid());
                    host.restoreNextVmId(ids.nextVmId());
                }
                case SnapshotCounter.User user -> {
                    long replayed = replayedCharges.getOrDefault(user.uid(), 0L);
                    if (replayed != user.lockedPages()) {
                        throw diverged("uid " + user.uid() + " has " + replayed + " pages charged after the replay, "
                                + user.lockedPages() + " when the snapshot was taken", null);
                    }
                    host.restoreUser(user.uid());
                }
                case SnapshotCounter.Device device -> deviceNamed(device.name()).restoreResetState(device.resets(), device.needsReset());
            }
        }
    }

    private VfioDevice deviceNamed(String name) {
        for (VfioDevice device : host.vfioDevices()) {
            if (device.name().equals(name)) {
                return device;
            }
        }
        throw diverged("the counters name device " + name + ", which this topology does not register", null);
    }

    private void expect(String what, Object recorded, Object replayed) {
        if (!Objects.equals(recorded, replayed)) {
            throw diverged("the " + what + " differs: recorded " + recorded + ", replayed " + replayed, null);
        }
    }

    private SnapshotException diverged(String difference, Throwable cause) {
        String where = entryNumber > 0
                ? "journal entry " + entryNumber + " (line " + line + ")"
                : "counters (line " + line + ")";
        return new SnapshotException(where + " diverged on replay: " + difference, cause);
    }

    private static String describe(JournalEntry entry) {
        return switch (entry) {
            case IoctlCall call -> call.request().getClass().getSimpleName() + " on fd " + call.fd() + " of pid " + call.pid();
            default -> entry.getClass().getSimpleName().toLowerCase(java.util.Locale.ROOT) + " of pid " + entry.pid();
        };
    }
}
