package io.vfleet.engine;

import java.util.Objects;

/**
 * A system call failed with {@link #errno()}, exactly as the kernel would have failed it.
 *
 * <p>The detail message says which rule refused the call; user space only ever sees the errno.
 * No stack trace is captured: these are expected outcomes of user input, thrown on hot paths
 * (an IOAS map into an occupied IOVA), not bugs. A "cannot happen" state is an
 * {@link AssertionError} instead.
 */
public final class KernelException extends RuntimeException {
    private final Errno errno;

    public KernelException(Errno errno, String detail) {
        super(errno.name() + ": " + detail, null, false, false);
        this.errno = Objects.requireNonNull(errno);
    }

    public Errno errno() {
        return errno;
    }
}
