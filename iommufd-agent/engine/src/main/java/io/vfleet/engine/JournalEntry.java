package io.vfleet.engine;

import io.vfleet.engine.iommufd.IommufdAccess;
import io.vfleet.engine.process.ProcessSpec;
import io.vfleet.engine.uapi.Ioctl;

/**
 * One system call that changed a host's state: the arguments user space passed and what the kernel
 * answered (the pid, address, fd or ioctl reply). The host hands out every entry as the call is
 * made ({@link Host#recordChangesTo}), and keeps the compacted journal of the ones its live state
 * still needs ({@link Host#journal()}, see {@link SyscallJournal}).
 *
 * <p>Replaying entries in order on a freshly booted host of the same topology gives back the same
 * state, because the engine is deterministic: lowest free fds, object IDs and addresses, pids and VM
 * ids from counters that the replay sets before the calls that use them. The compacted journal has
 * no {@link Exit}: an exit removes every entry of its process instead.
 */
public sealed interface JournalEntry {

    /** The process that made the call; its exit drops the entry. */
    int pid();

    /** fork + exec: the process got {@code pid}. */
    record Spawn(int pid, ProcessSpec spec) implements JournalEntry {
    }

    /** exit(2): the process and everything it held are gone. */
    record Exit(int pid) implements JournalEntry {
    }

    /** mmap of anonymous memory, placed at {@code address}. */
    record Mmap(int pid, long length, int prot, long address) implements JournalEntry {
    }

    record Munmap(int pid, long address, long length) implements JournalEntry {
    }

    /** open(2) of a device node, which got {@code fd}. */
    record Open(int pid, String path, int flags, int fd) implements JournalEntry {
    }

    record Close(int pid, int fd) implements JournalEntry {
    }

    /** ioctl(2) on {@code fd}, and what it answered. */
    record IoctlCall(int pid, int fd, Ioctl<?> request, Outcome outcome) implements JournalEntry {
    }

    /** The emulated device's driver behind {@code deviceFd} pinned guest memory through its access. */
    record AccessPin(int pid, int deviceFd, IommufdAccess.Pin pin) implements JournalEntry {
    }

    /** The driver behind {@code deviceFd} dropped one of its pins. */
    record AccessUnpin(int pid, int deviceFd, long iova, long length) implements JournalEntry {
    }

    /** What an ioctl answered. */
    sealed interface Outcome {
    }

    /** Success, with the reply record user space read back. */
    record Replied(Object reply) implements Outcome {
    }

    /**
     * Failure that may still have changed state: an IOAS unmap stops at the first area sticking
     * out of its range after removing the areas before it (KERNEL.md §10.5).
     */
    record Failed(Errno errno) implements Outcome {
    }

    /** KVM_CREATE_VM succeeded with a VM fd, for the VM numbered {@code vmId}. */
    record VmCreated(int fd, int vmId) implements Outcome {
    }
}
