package io.vfleet.engine;

import java.util.Objects;
import java.util.function.Consumer;

/**
 * A system call failed with {@link #errno()}, exactly as the kernel would have failed it.
 *
 * <p>The detail message says which rule refused the call; user space only ever sees the errno.
 * No stack trace is captured: these are expected outcomes of user input, thrown on hot paths
 * (an IOAS map into an occupied IOVA), not bugs. A "cannot happen" state is an
 * {@link AssertionError} instead.
 */
public final class KernelException extends RuntimeException {
    private static volatile Consumer<KernelException> observer;

    private final Errno errno;
    private final transient Object partialReply;

    public KernelException(Errno errno, String detail) {
        this(errno, detail, null);
    }

    /**
     * A failure that still wrote part of the output, as EMSGSIZE from IOMMU_IOAS_IOVA_RANGES or
     * ENOSPC from VFIO_DEVICE_GET_PCI_HOT_RESET_INFO do: the reply holds what user space sees.
     */
    public KernelException(Errno errno, String detail, Object partialReply) {
        super(errno.name() + ": " + detail, null, false, false);
        this.errno = Objects.requireNonNull(errno);
        this.partialReply = partialReply;
        Consumer<KernelException> watching = observer;
        if (watching != null) {
            watching.accept(this);
        }
    }

    /**
     * Lets the errno coverage check see every failure the engine raises, where it was raised
     * (null stops watching). Only tests use it; the cost when unset is one volatile read.
     */
    public static void observe(Consumer<KernelException> newObserver) {
        observer = newObserver;
    }

    public Errno errno() {
        return errno;
    }

    /** What the ioctl wrote before failing, or null. */
    public Object partialReply() {
        return partialReply;
    }
}
