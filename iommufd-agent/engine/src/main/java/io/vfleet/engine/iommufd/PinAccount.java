package io.vfleet.engine.iommufd;

/**
 * Where the pages pinned for an {@link IoptPages} are charged: the accounting half of
 * {@code struct iopt_pages} in drivers/iommu/iommufd/pages.c ({@code account_mode}, the mapper's
 * {@code user_struct} or {@code mm}).
 *
 * <p>The account is chosen when the pages are created (at MAP), so the charge always goes to whoever
 * mapped, even when the pin happens later during someone else's attach. Units are 4 KiB pages.
 */
public interface PinAccount {
    /** Not accounted at all, as for a mapper with CAP_IPC_LOCK. */
    PinAccount NONE = new PinAccount() {
        @Override
        public void charge(long pages) {
        }

        @Override
        public void uncharge(long pages) {
        }
    };

    /** Adds {@code pages} to the account; throws ENOMEM and changes nothing when that exceeds RLIMIT_MEMLOCK. */
    void charge(long pages);

    /** Gives back pages charged earlier. */
    void uncharge(long pages);
}
