package io.vfleet.engine;

/**
 * The error numbers the engine returns, with their Linux x86-64 values.
 *
 * <p>This is the engine's whole error vocabulary: every user-visible failure is a
 * {@link KernelException} carrying one of these, chosen to match what the kernel returns for the
 * same misuse. The kernel-internal {@code ENOIOCTLCMD} reaches user space as {@link #ENOTTY}. A few
 * the engine never raises are here because a real kernel answers them to the same system calls
 * (an interrupted or unsupported call, a path that is not a device node).
 */
public enum Errno {
    EPERM(1, "Operation not permitted"),
    ENOENT(2, "No such file or directory"),
    ESRCH(3, "No such process"),
    EINTR(4, "Interrupted system call"),
    EIO(5, "Input/output error"),
    ENXIO(6, "No such device or address"),
    E2BIG(7, "Argument list too long"),
    EBADF(9, "Bad file descriptor"),
    EAGAIN(11, "Resource temporarily unavailable"),
    ENOMEM(12, "Cannot allocate memory"),
    EACCES(13, "Permission denied"),
    EFAULT(14, "Bad address"),
    EBUSY(16, "Device or resource busy"),
    EEXIST(17, "File exists"),
    ENODEV(19, "No such device"),
    ENOTDIR(20, "Not a directory"),
    EISDIR(21, "Is a directory"),
    EINVAL(22, "Invalid argument"),
    ENFILE(23, "Too many open files in system"),
    EMFILE(24, "Too many open files"),
    ENOTTY(25, "Inappropriate ioctl for device"),
    ENOSPC(28, "No space left on device"),
    EROFS(30, "Read-only file system"),
    ERANGE(34, "Numerical result out of range"),
    EDEADLK(35, "Resource deadlock avoided"),
    ENAMETOOLONG(36, "File name too long"),
    ENOSYS(38, "Function not implemented"),
    EOVERFLOW(75, "Value too large for defined data type"),
    EBADFD(77, "File descriptor in bad state"),
    EMSGSIZE(90, "Message too long"),
    EOPNOTSUPP(95, "Operation not supported"),
    EADDRINUSE(98, "Address already in use");

    private final int number;
    private final String description;

    Errno(int number, String description) {
        this.number = number;
        this.description = description;
    }

    /** The positive errno value, as in {@code <asm-generic/errno.h>}. */
    public int number() {
        return number;
    }

    /** The C library's {@code strerror} text. */
    public String description() {
        return description;
    }

    /** A new exception carrying this errno and a detail for logs. */
    public KernelException exception(String detail) {
        return new KernelException(this, detail);
    }

    public static Errno ofNumber(int number) {
        for (Errno errno : values()) {
            if (errno.number == number) {
                return errno;
            }
        }
        throw new IllegalArgumentException("unknown errno " + number);
    }
}
