package io.vfleet.engine.process;

import io.vfleet.engine.Errno;
import io.vfleet.engine.iommufd.PinAccount;

/**
 * A user's locked-memory counter ({@code user_struct->locked_vm}): USER-mode pins of every process
 * of one uid add up here, each compared against the RLIMIT_MEMLOCK of the process that mapped the
 * memory. Guarded by the host lock.
 */
public final class UserLocks {
    private final int uid;
    private long lockedPages;

    public UserLocks(int uid) {
        this.uid = uid;
    }

    public int uid() {
        return uid;
    }

    public long lockedPages() {
        return lockedPages;
    }

    void restore(long pages) {
        lockedPages = pages;
    }

    PinAccount accountFor(Process mapper) {
        return new PinAccount() {
            @Override
            public void charge(long pages) {
                long limit = mapper.memlockLimitPages();
                if (pages > limit - lockedPages) {
                    throw Errno.ENOMEM.exception("pinning " + pages + " pages would take uid " + uid
                            + " past pid " + mapper.pid() + "'s RLIMIT_MEMLOCK (" + lockedPages + " of " + limit + " pages locked)");
                }
                lockedPages += pages;
            }

            @Override
            public void uncharge(long pages) {
                if (pages > lockedPages) {
                    throw new AssertionError("uncharging " + pages + " pages from uid " + uid + " with " + lockedPages + " locked");
                }
                lockedPages -= pages;
            }

            @Override
            public String toString() {
                return "user:" + uid;
            }
        };
    }
}
