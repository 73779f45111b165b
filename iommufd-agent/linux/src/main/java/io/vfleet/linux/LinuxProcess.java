package io.vfleet.linux;

import io.vfleet.engine.Errno;
import io.vfleet.engine.process.AddressSpace;
import io.vfleet.engine.process.FileTable;
import io.vfleet.engine.process.ProcessSpec;
import io.vfleet.linux.LibC.SystemCallFailed;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

/**
 * A process the Linux backend runs inside the agent: its credentials ({@link Credentials}), its file
 * descriptors, and its user memory.
 *
 * <p>File descriptors are the process's own numbers, lowest free first as {@code get_unused_fd_flags}
 * hands them out, each standing for one of the agent's real descriptors. Callers only ever see the
 * process's numbers; the real ones never leave the backend.
 *
 * <p>User memory is a slice of the agent's address space reserved for the process alone, inaccessible
 * ({@code PROT_NONE}) except where the process mapped memory, so that pinning an address the process
 * never mapped fails with EFAULT as it would in a process of its own. Regions are placed at the same
 * offsets from the slice's start as the engine places them from its mmap base, so addresses keep the
 * same alignment, on which automatic IOVA allocation depends. Guarded by the kernel's lock.
 */
final class LinuxProcess {
    /** The slice of address space each process gets; its start is aligned to its size. */
    static final long SLICE = 64L << 30;
    private static final long ENGINE_BASE = 0x7f00_0000_0000L;

    private final int pid;
    private final ProcessSpec spec;
    private final TreeMap<Integer, Integer> files = new TreeMap<>();
    private final AddressSpace regions = new AddressSpace();
    private final long slice;
    private final long reservation;
    private final long reservationLength;

    private LinuxProcess(int pid, ProcessSpec spec, long slice, long reservation, long reservationLength) {
        this.pid = pid;
        this.spec = spec;
        this.slice = slice;
        this.reservation = reservation;
        this.reservationLength = reservationLength;
    }

    /** Reserves the process's slice: twice its size, so that an aligned slice lies inside. */
    static LinuxProcess start(int pid, ProcessSpec spec) throws SystemCallFailed {
        long length = 2 * SLICE;
        long reservation = LibC.mmap(0, length, LibC.PROT_NONE, LibC.MAP_PRIVATE | LibC.MAP_ANONYMOUS | LibC.MAP_NORESERVE);
        long slice = (reservation + SLICE - 1) & -SLICE;
        return new LinuxProcess(pid, spec, slice, reservation, length);
    }

    int pid() {
        return pid;
    }

    ProcessSpec spec() {
        return spec;
    }

    // ---- file descriptors ----

    /** The real descriptor behind {@code fd}, or empty when the process has no such fd. */
    Integer real(int fd) {
        return files.get(fd);
    }

    /** Takes the process's lowest free number for the real descriptor {@code real}. */
    int install(int real) {
        int fd = 0;
        for (int used : files.keySet()) {
            if (used != fd) {
                break;
            }
            fd++;
        }
        if (fd >= FileTable.MAX_FILES) {
            throw Errno.EMFILE.exception("process " + pid + " has " + FileTable.MAX_FILES + " files open");
        }
        files.put(fd, real);
        return fd;
    }

    /** Whether the process could take one more file, checked before opening it, as the kernel reserves the fd first. */
    boolean canOpen() {
        return files.size() < FileTable.MAX_FILES;
    }

    /** Forgets {@code fd}; returns its real descriptor for the caller to close, or null when it was not open. */
    Integer remove(int fd) {
        return files.remove(fd);
    }

    /** The open fds, lowest first. */
    List<Integer> openDescriptors() {
        return new ArrayList<>(files.keySet());
    }

    // ---- memory ----

    /** mmap of anonymous memory: placed as the engine places it, mapped for real inside the slice. */
    long mmap(long length, int prot) throws SystemCallFailed {
        long engineAddress = regions.mmap(length, prot);
        long size = AddressSpace.roundUpToPage(length);
        if (engineAddress - ENGINE_BASE + size > SLICE) {
            regions.munmap(engineAddress, size);
            throw Errno.ENOMEM.exception("process " + pid + " has no room for " + size + " more bytes in its "
                    + (SLICE >> 30) + " GiB of address space");
        }
        long address = slice + (engineAddress - ENGINE_BASE);
        LibC.mmap(address, size, prot, LibC.MAP_PRIVATE | LibC.MAP_ANONYMOUS | LibC.MAP_FIXED);
        return address;
    }

    /**
     * munmap(2): what the process mapped in the range goes back to inaccessible; the rest of the range
     * holds nothing of the process's, and unmapping nothing is no error, as in the kernel.
     */
    void munmap(long address, long length) throws SystemCallFailed {
        if (address % AddressSpace.PAGE_SIZE != 0 || length <= 0 || Long.MAX_VALUE - address < length) {
            throw Errno.EINVAL.exception("munmap of [0x" + Long.toHexString(address) + ", +" + length
                    + ") is unaligned, empty or outside user space");
        }
        long start = Math.max(address, slice);
        long end = Math.min(address + AddressSpace.roundUpToPage(length), slice + SLICE);
        if (start >= end) {
            return;
        }
        regions.munmap(ENGINE_BASE + (start - slice), end - start);
        LibC.mmap(start, end - start, LibC.PROT_NONE,
                LibC.MAP_PRIVATE | LibC.MAP_ANONYMOUS | LibC.MAP_FIXED | LibC.MAP_NORESERVE);
    }

    /** At exit, after its files are closed: the whole reservation goes. */
    void releaseMemory() throws SystemCallFailed {
        LibC.munmap(reservation, reservationLength);
    }
}
