package io.vfleet.engine;

/**
 * Fail-nth fault injection, as the kernel's {@code /proc/self/task/<tid>/fail-nth}: arm it on the
 * calling thread, and the n-th allocation point reached from then on fails with ENOMEM, once.
 *
 * <p>Allocation points are where the kernel allocates memory or takes a driver step that can fail:
 * an object ID, a page-table node, a pin, a file. Every syscall must leave the host exactly as it
 * found it when one of them fails; the fail-nth sweep in the tests checks that for every n.
 */
public final class FaultInjection {
    private static final ThreadLocal<int[]> REMAINING = new ThreadLocal<>();

    private FaultInjection() {
    }

    /** Arms the calling thread: the {@code nth} allocation point from now on (1-based) fails. */
    public static void failNth(int nth) {
        if (nth < 1) {
            throw new IllegalArgumentException("nth must be at least 1, was " + nth);
        }
        REMAINING.set(new int[] {nth});
    }

    /** Disarms the calling thread; true when the armed fault was hit. */
    public static boolean disarm() {
        int[] remaining = REMAINING.get();
        REMAINING.remove();
        return remaining != null && remaining[0] <= 0;
    }

    /** An allocation point: throws ENOMEM when the armed count runs out here. */
    public static void point(String what) {
        int[] remaining = REMAINING.get();
        if (remaining != null && remaining[0] > 0 && --remaining[0] == 0) {
            throw Errno.ENOMEM.exception("injected failure at " + what);
        }
    }
}
