package io.vfleet.engine.process;

import io.vfleet.engine.Errno;
import io.vfleet.engine.uapi.Ioctl;

/**
 * An open file ({@code struct file}): what a file descriptor points at.
 *
 * <p>A file is reference counted like the kernel's: each fd table slot that holds it is one
 * reference, and so is every kernel object that took a file reference (the KVM-VFIO device's
 * file list, a device fd pinning its group file in container mode). When the last reference
 * goes, {@link #release()} runs, exactly once. Guarded by the host lock.
 */
public abstract class KernelFile {
    private int references = 1;
    private boolean released;

    /** Dispatches an ioctl sent to this file; a request this kind of file does not know is ENOTTY. */
    public abstract Object ioctl(Process caller, Ioctl<?> request);

    /** The kernel's release hook: runs once, when the last reference is dropped. */
    protected abstract void release();

    /** A short name for errors and introspection, such as {@code iommufd} or {@code vfio-device}. */
    public abstract String kind();

    /** get_file(): another holder keeps this file open. */
    public final void get() {
        if (released) {
            throw new AssertionError("get() on a released " + kind() + " file");
        }
        references++;
    }

    /** fput(): drops one reference and releases the file when it was the last. */
    public final void put() {
        if (released || references <= 0) {
            throw new AssertionError("put() on a released " + kind() + " file");
        }
        if (--references == 0) {
            released = true;
            release();
        }
    }

    public final boolean isReleased() {
        return released;
    }

    public final int references() {
        return references;
    }

    // Returns nothing but has a file's type, so that an ioctl switch can end in return notTty(this, request).
    @SuppressWarnings("DoNotCallSuggester")
    protected static KernelFile notTty(KernelFile file, Ioctl<?> request) {
        throw Errno.ENOTTY.exception(request.getClass().getSimpleName() + " is not an ioctl of a " + file.kind() + " file");
    }
}
