package io.vfleet.engine.iommufd;

import io.vfleet.engine.Errno;

/** A RLIMIT_MEMLOCK account: counts charged pages and refuses to go over its limit. */
final class CountingPinAccount implements PinAccount {
    private final long limit;
    private long charged;

    CountingPinAccount(long limit) {
        this.limit = limit;
    }

    static CountingPinAccount unlimited() {
        return new CountingPinAccount(Long.MAX_VALUE);
    }

    long charged() {
        return charged;
    }

    @Override
    public void charge(long pages) {
        if (charged + pages > limit) {
            throw Errno.ENOMEM.exception(charged + " + " + pages + " pages is over the limit of " + limit);
        }
        charged += pages;
    }

    @Override
    public void uncharge(long pages) {
        if (pages > charged) {
            throw new AssertionError("uncharging " + pages + " pages of " + charged);
        }
        charged -= pages;
    }
}
