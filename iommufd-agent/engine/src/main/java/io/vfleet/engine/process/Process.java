package io.vfleet.engine.process;

import io.vfleet.engine.Errno;
import io.vfleet.engine.iommufd.PinAccount;

/**
 * A user process ({@code task_struct} with its {@code mm_struct} and {@code files_struct}): the
 * caller of every system call, with its capabilities, RLIMIT_MEMLOCK and the locked-memory
 * counters that iommufd charges pins to. Guarded by the host lock.
 */
// The kernel's noun; the engine never starts an operating-system process, so java.lang.Process is not used beside it.
@SuppressWarnings("AvoidCommonTypeNames")
public final class Process {
    private final int pid;
    private final ProcessSpec spec;
    private final UserLocks user;
    private final FileTable files = new FileTable();
    private final AddressSpace memory = new AddressSpace();
    private long lockedVmPages;
    private boolean exited;

    public Process(int pid, ProcessSpec spec, UserLocks user) {
        this.pid = pid;
        this.spec = spec;
        this.user = user;
    }

    public int pid() {
        return pid;
    }

    public ProcessSpec spec() {
        return spec;
    }

    public int uid() {
        return spec.uid();
    }

    public boolean capable(Capability capability) {
        return spec.capabilities().contains(capability);
    }

    public FileTable files() {
        return files;
    }

    public AddressSpace memory() {
        return memory;
    }

    public UserLocks user() {
        return user;
    }

    /** {@code mm->locked_vm}: pages charged to this process in MM accounting mode. */
    public long lockedVmPages() {
        return lockedVmPages;
    }

    public boolean exited() {
        return exited;
    }

    long memlockLimitPages() {
        long limit = spec.memlockLimitBytes();
        return limit == ProcessSpec.UNLIMITED ? Long.MAX_VALUE : limit / AddressSpace.PAGE_SIZE;
    }

    /**
     * The account a pin of memory mapped by this process is charged to (pages.c): nothing with
     * CAP_IPC_LOCK; else the process ({@code mm->locked_vm}) in MM mode, or its user in USER mode,
     * both against this process's RLIMIT_MEMLOCK. The choice is made once, when the pages are
     * mapped, and the charge stays with this process even when the pin happens later, during
     * another process's attach.
     */
    public PinAccount pinAccount(boolean mmMode) {
        if (capable(Capability.CAP_IPC_LOCK)) {
            return PinAccount.NONE;
        }
        return mmMode ? new MmAccount() : user.accountFor(this);
    }

    /** The process is gone: its memory with it (its files were closed first). */
    public void markExited() {
        exited = true;
        memory.kill();
    }

    void restoreLockedVm(long pages) {
        lockedVmPages = pages;
    }

    /** MM-mode pin account: {@code mm->locked_vm} of this process. */
    private final class MmAccount implements PinAccount {
        @Override
        public void charge(long pages) {
            long limit = memlockLimitPages();
            if (pages > limit - lockedVmPages) {
                throw Errno.ENOMEM.exception("pinning " + pages + " pages would take pid " + pid + " past RLIMIT_MEMLOCK ("
                        + lockedVmPages + " of " + limit + " pages locked)");
            }
            lockedVmPages += pages;
        }

        @Override
        public void uncharge(long pages) {
            if (pages > lockedVmPages) {
                throw new AssertionError("uncharging " + pages + " pages from pid " + pid + " with " + lockedVmPages + " locked");
            }
            lockedVmPages -= pages;
        }

        @Override
        public String toString() {
            return "mm:" + pid;
        }
    }
}
