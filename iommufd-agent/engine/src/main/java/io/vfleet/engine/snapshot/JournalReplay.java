package io.vfleet.engine.snapshot;

import io.vfleet.engine.Errno;
import io.vfleet.engine.Host;
import io.vfleet.engine.JournalEntry;
import io.vfleet.engine.JournalEntry.AccessPin;
import io.vfleet.engine.JournalEntry.AccessUnpin;
import io.vfleet.engine.JournalEntry.Close;
import io.vfleet.engine.JournalEntry.Exit;
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
import io.vfleet.engine.uapi.Ioctl;
import io.vfleet.engine.vfio.VfioDevice;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * Rebuilds a host from recorded calls: {@link #restore} boots a snapshot's topology, re-runs every
 * journaled call through the host's ordinary system calls, then sets the counters that outlive
 * processes; {@link #rerun} makes one recorded call again on a running host, as a write-ahead
 * journal replays the changes made after its snapshot.
 *
 * <p>Every call must answer as it did when it was recorded: the same pid, address, fd, reply
 * record (IDs, devids, IOVAs, byte counts), or for a recorded failure the same errno. A call that
 * answers differently means the records do not describe a state this engine reaches, so the replay
 * stops with a {@link SnapshotException} saying what differed, and a half-built host is dropped:
 * the caller gets either a whole host or none. Pids and VM ids come from counters that exited
 * processes have advanced, so the replay sets the counter to the recorded value just before the
 * call that takes one.
 */
public final class JournalReplay {
    private JournalReplay() {
    }

    static Host restore(HostSnapshot snapshot) {
        Host host = Host.boot(snapshot.topology());
        List<JournalEntry> entries = snapshot.journal();
        for (int i = 0; i < entries.size(); i++) {
            try {
                rerun(host, entries.get(i));
            } catch (SnapshotException diverged) {
                throw new SnapshotException("journal entry " + (i + 1) + " " + diverged.getMessage(), diverged.getCause());
            }
        }
        restore(host, snapshot.counters());
        return host;
    }

    /**
     * Makes the recorded call {@code entry} again on {@code host}. A different answer is a
     * {@link SnapshotException} whose message starts "diverged on replay: " and names the call; the
     * host may then hold part of the call's effect and must be dropped.
     */
    public static void rerun(Host host, JournalEntry entry) {
        try {
            switch (entry) {
                case Spawn spawn -> {
                    host.restoreNextPid(spawn.pid());
                    expect("pid", spawn.pid(), host.spawn(spawn.spec()));
                }
                case Exit exit -> host.exit(exit.pid());
                case Mmap mmap -> expect("address", mmap.address(), host.mmap(mmap.pid(), mmap.length(), mmap.prot()));
                case Munmap munmap -> host.munmap(munmap.pid(), munmap.address(), munmap.length());
                case Open open -> expect("fd", open.fd(), host.open(open.pid(), open.path(), open.flags()));
                case Close close -> host.close(close.pid(), close.fd());
                case IoctlCall call -> rerunIoctl(host, call);
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

    private static void rerunIoctl(Host host, IoctlCall call) {
        switch (call.outcome()) {
            case Replied replied -> expect("reply", replied.reply(), host.ioctl(call.pid(), call.fd(), call.request()));
            case VmCreated created -> {
                host.restoreNextVmId(created.vmId());
                Object reply = host.ioctl(call.pid(), call.fd(), call.request());
                expect("reply", new Ioctl.KvmCreateVm.Reply(created.fd()), reply);
                expect("VM id", created.vmId(), host.inspect(() -> vmId(host, call.pid(), created.fd())));
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

    private static int vmId(Host host, int pid, int fd) {
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
    private static void restore(Host host, HostSnapshot.Counters counters) {
        host.restoreNextPid(counters.nextPid());
        host.restoreNextVmId(counters.nextVmId());
        Map<Integer, Long> replayedCharges = host.lockedPagesByUser();
        for (HostSnapshot.User user : counters.users()) {
            long replayed = replayedCharges.getOrDefault(user.uid(), 0L);
            if (replayed != user.lockedPages()) {
                throw new SnapshotException("counters diverged on replay: uid " + user.uid() + " has " + replayed
                        + " pages charged after the replay, " + user.lockedPages() + " when the snapshot was taken");
            }
            host.restoreUser(user.uid());
        }
        for (HostSnapshot.DeviceResets device : counters.devices()) {
            deviceNamed(host, device.name()).restoreResetState(device.resets(), device.needsReset());
        }
    }

    private static VfioDevice deviceNamed(Host host, String name) {
        for (VfioDevice device : host.vfioDevices()) {
            if (device.name().equals(name)) {
                return device;
            }
        }
        throw new SnapshotException("counters diverged on replay: they name device " + name
                + ", which this topology does not register");
    }

    private static void expect(String what, Object recorded, Object replayed) {
        if (!Objects.equals(recorded, replayed)) {
            throw diverged("the " + what + " differs: recorded " + recorded + ", replayed " + replayed, null);
        }
    }

    private static SnapshotException diverged(String difference, Throwable cause) {
        return new SnapshotException("diverged on replay: " + difference, cause);
    }

    private static String describe(JournalEntry entry) {
        return switch (entry) {
            case IoctlCall call -> call.request().getClass().getSimpleName() + " on fd " + call.fd() + " of pid " + call.pid();
            default -> entry.getClass().getSimpleName().toLowerCase(Locale.ROOT) + " of pid " + entry.pid();
        };
    }
}
