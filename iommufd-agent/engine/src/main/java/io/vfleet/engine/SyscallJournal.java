package io.vfleet.engine;

import io.vfleet.engine.JournalEntry.Failed;
import io.vfleet.engine.JournalEntry.IoctlCall;
import io.vfleet.engine.JournalEntry.Replied;
import io.vfleet.engine.iommufd.IommufdFile;
import io.vfleet.engine.process.KernelFile;
import io.vfleet.engine.uapi.Ioctl;
import io.vfleet.engine.uapi.Ioctl.IommuDestroy;
import io.vfleet.engine.uapi.Ioctl.IommuIoasMap;
import io.vfleet.engine.uapi.Ioctl.IommuIoasUnmap;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Set;
import java.util.TreeMap;

/**
 * The journal of the system calls that made a host's current state, kept as short as the state
 * allows: what {@link Host} replays when a snapshot is read back.
 *
 * <p>Two compactions keep it bounded by the live state rather than by the host's age:
 * <ul>
 *   <li><b>Exit.</b> Processes share nothing but counters (no fd passing, no shared memory), and an
 *   exiting process releases everything it held, so its exit removes every entry it made, from its
 *   spawn on. The counters that outlive processes (next pid, next VM id, reset counts) are written
 *   into the snapshot beside the journal.
 *   <li><b>Map undone by unmap.</b> An IOAS map whose area a later successful unmap removed, with
 *   nothing in between that could have depended on the area, leaves no trace: both entries go.
 *   "Could have depended" is decided per process and conservatively: an automatic-IOVA map (its
 *   IOVA depends on the areas already there), an IOAS copy (reads source areas), an access pin
 *   (needs an area), a compat UNMAP_DMA or a failed unmap (remove areas the journal cannot name)
 *   make every earlier map of that process permanent. Everything else a process can do is
 *   monotone in the areas present (attaching, reserving, setting options and charging memlock
 *   only get easier with fewer areas), so dropping a map and its unmap changes no later result.
 * </ul>
 * So a VMM that maps and unmaps guest memory for ever, at fixed or automatic IOVAs, keeps a
 * journal of constant size; what remains is one entry per call that built the live state (its
 * open files, live areas, attachments) plus the maps made permanent by the rule above.
 *
 * <p>Entries are in call order, which replay keeps. Guarded by the host lock.
 */
final class SyscallJournal {
    /** Maps that a later unmap may still cancel, per IOAS as user space names it. */
    private record IoasKey(int pid, int fd, int ioasId) {
    }

    private record CancellableMap(long sequence, long iova, long length) {
    }

    private final TreeMap<Long, JournalEntry> entries = new TreeMap<>();
    private final Map<Integer, Set<Long>> sequencesByPid = new HashMap<>();
    private final Map<IoasKey, NavigableMap<Long, CancellableMap>> cancellable = new HashMap<>();
    private long nextSequence;

    /** Whether a successful {@code request} may have changed state: everything but the pure queries. */
    static boolean changesState(Ioctl<?> request) {
        return switch (request) {
            case Ioctl.IommuIoasIovaRanges _, Ioctl.VfioDeviceGetInfo _, Ioctl.VfioDeviceGetPciHotResetInfo _,
                    Ioctl.VfioGroupGetStatus _, Ioctl.VfioGetApiVersion _, Ioctl.VfioCheckExtension _ -> false;
            case Ioctl.IommuOption option -> option.op() != Ioctl.IommuOption.OP_GET;
            case Ioctl.IommuVfioIoas vfioIoas -> vfioIoas.op() != Ioctl.IommuVfioIoas.OP_GET;
            case Ioctl.IommuDestroy _, Ioctl.IommuIoasAlloc _, Ioctl.IommuIoasAllowIovas _, Ioctl.IommuIoasCopy _,
                    Ioctl.IommuIoasMap _, Ioctl.IommuIoasUnmap _, Ioctl.IommuHwptAlloc _,
                    Ioctl.VfioDeviceBindIommufd _, Ioctl.VfioDeviceAttachIommufdPt _, Ioctl.VfioDeviceDetachIommufdPt _,
                    Ioctl.VfioDeviceReset _, Ioctl.VfioDevicePciHotReset _, Ioctl.UnknownIoctl _,
                    Ioctl.VfioGroupSetContainer _, Ioctl.VfioGroupUnsetContainer _, Ioctl.VfioGroupGetDeviceFd _,
                    Ioctl.VfioSetIommu _, Ioctl.VfioIommuMapDma _, Ioctl.VfioIommuUnmapDma _,
                    Ioctl.KvmCreateVm _, Ioctl.KvmCreateDevice _, Ioctl.KvmSetDeviceAttr _ -> true;
        };
    }

    /**
     * Whether a failed {@code request} on {@code file} may still have changed state: an unmap on an
     * iommufd removes areas one by one and can fail after removing some (KERNEL.md §10.5).
     */
    static boolean changesStateWhenFailing(KernelFile file, Ioctl<?> request) {
        return file instanceof IommufdFile
                && (request instanceof IommuIoasUnmap || request instanceof Ioctl.VfioIommuUnmapDma);
    }

    /** The entries in call order. */
    List<JournalEntry> entries() {
        return new ArrayList<>(entries.values());
    }

    int size() {
        return entries.size();
    }

    void record(JournalEntry entry) {
        if (entry instanceof JournalEntry.Close close) {
            cancellable.keySet().removeIf(key -> key.pid() == close.pid() && key.fd() == close.fd());
        }
        if (entry instanceof JournalEntry.AccessPin || entry instanceof JournalEntry.AccessUnpin) {
            makePermanent(entry.pid());
        }
        append(entry);
    }

    /** The process is gone and took everything it held with it: so do its entries. */
    void exited(int pid) {
        Set<Long> sequences = sequencesByPid.remove(pid);
        if (sequences != null) {
            sequences.forEach(entries::remove);
        }
        makePermanent(pid);
    }

    /** An ioctl that changed state (queries are not journaled; see {@link Host#ioctl}). */
    void ioctl(IoctlCall call) {
        switch (call.request()) {
            case IommuIoasMap map when call.outcome() instanceof Replied(IommuIoasMap.Reply reply) -> {
                if ((map.flags() & IommuIoasMap.FIXED_IOVA) == 0) {
                    makePermanent(call.pid());
                }
                long sequence = append(call);
                cancellable.computeIfAbsent(new IoasKey(call.pid(), call.fd(), map.ioasId()),
                                key -> new TreeMap<>(Long::compareUnsigned))
                        .put(reply.iova(), new CancellableMap(sequence, reply.iova(), map.length()));
            }
            case IommuIoasUnmap unmap when call.outcome() instanceof Replied(IommuIoasUnmap.Reply reply) -> {
                if (!cancelMapsUndoneBy(call, unmap, reply.length())) {
                    append(call);
                }
            }
            case IommuDestroy destroy -> {
                cancellable.remove(new IoasKey(call.pid(), call.fd(), destroy.id()));
                append(call);
            }
            case Ioctl.IommuIoasCopy _ -> {
                makePermanent(call.pid());
                append(call);
            }
            case Ioctl.VfioIommuUnmapDma _ -> {
                makePermanent(call.pid());
                append(call);
            }
            default -> {
                if (call.outcome() instanceof Failed) {
                    makePermanent(call.pid());
                }
                append(call);
            }
        }
    }

    /**
     * A successful unmap removed every area inside its range. When the cancellable maps inside the
     * range add up to exactly the bytes it removed, they were those areas: drop them and the unmap.
     * Otherwise the unmap also removed areas the journal cannot cancel, and the maps it removed
     * stay, since the unmap's reply counted them.
     */
    private boolean cancelMapsUndoneBy(IoctlCall call, IommuIoasUnmap unmap, long unmapped) {
        IoasKey key = new IoasKey(call.pid(), call.fd(), unmap.ioasId());
        NavigableMap<Long, CancellableMap> maps = cancellable.get(key);
        if (maps == null) {
            return false;
        }
        long last = unmap.iova() + unmap.length() - 1;
        NavigableMap<Long, CancellableMap> inside = maps.subMap(unmap.iova(), true, last, true);
        List<CancellableMap> removed = new ArrayList<>(inside.values());
        inside.clear();
        long total = 0;
        boolean contained = true;
        for (CancellableMap map : removed) {
            total += map.length();
            contained &= Long.compareUnsigned(map.iova() + map.length() - 1, last) <= 0;
        }
        if (removed.isEmpty() || !contained || total != unmapped) {
            return false;
        }
        Set<Long> sequences = sequencesByPid.get(call.pid());
        for (CancellableMap map : removed) {
            entries.remove(map.sequence());
            sequences.remove(map.sequence());
        }
        return true;
    }

    /** Something may have depended on this process's areas: its maps can no longer be cancelled. */
    private void makePermanent(int pid) {
        cancellable.keySet().removeIf(key -> key.pid() == pid);
    }

    private long append(JournalEntry entry) {
        long sequence = nextSequence++;
        entries.put(sequence, entry);
        sequencesByPid.computeIfAbsent(entry.pid(), pid -> new LinkedHashSet<>()).add(sequence);
        return sequence;
    }
}
