package io.vfleet.engine.process;

import io.vfleet.engine.Errno;
import io.vfleet.engine.FaultInjection;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Supplier;

/**
 * A process's file descriptor table ({@code files_struct}): fd numbers are small integers handed
 * out lowest free first, as {@code get_unused_fd_flags} does. Guarded by the host lock.
 */
public final class FileTable {
    /** RLIMIT_NOFILE's usual soft limit. */
    public static final int MAX_FILES = 1024;

    private KernelFile[] files = new KernelFile[16];
    private int lowestFree;

    /** Holds a slot between get_unused_fd_flags and fd_install; lookups see it as not open. */
    private static final KernelFile RESERVED = new KernelFile() {
        @Override
        public Object ioctl(Process caller, io.vfleet.engine.uapi.Ioctl<?> request) {
            throw new AssertionError("ioctl on a reserved fd slot");
        }

        @Override
        protected void release() {
        }

        @Override
        public String kind() {
            return "reserved";
        }
    };

    /**
     * get_unused_fd_flags, then {@code opener}, then fd_install: the fd is taken first, as the kernel
     * does, so a process out of fds never opens anything, and an opener that fails gives the fd back.
     * The opener hands over its file's reference.
     */
    public int open(Supplier<KernelFile> opener) {
        int fd = reserve();
        KernelFile file;
        try {
            file = opener.get();
        } catch (RuntimeException e) {
            files[fd] = null;
            lowestFree = Math.min(lowestFree, fd);
            throw e;
        }
        files[fd] = file;
        return fd;
    }

    /** get_unused_fd_flags: the lowest free slot, reserved. */
    private int reserve() {
        FaultInjection.point("file descriptor");
        int fd = lowestFree;
        while (fd < files.length && files[fd] != null) {
            fd++;
        }
        if (fd >= MAX_FILES) {
            throw Errno.EMFILE.exception("no free file descriptor below " + MAX_FILES);
        }
        if (fd >= files.length) {
            files = Arrays.copyOf(files, Math.min(MAX_FILES, files.length * 2));
        }
        files[fd] = RESERVED;
        lowestFree = fd + 1;
        return fd;
    }

    /** fget: the file behind {@code fd}, or EBADF. */
    public KernelFile get(int fd) {
        if (fd < 0 || fd >= files.length || files[fd] == null || files[fd] == RESERVED) {
            throw Errno.EBADF.exception("fd " + fd + " is not open");
        }
        return files[fd];
    }

    /** Like {@link #get} for a known kind: a file of another kind is {@code wrongKind}. */
    public <F extends KernelFile> F get(int fd, Class<F> kind, Errno wrongKind) {
        KernelFile file = get(fd);
        if (!kind.isInstance(file)) {
            throw wrongKind.exception("fd " + fd + " is a " + file.kind() + " file, not " + kind.getSimpleName());
        }
        return kind.cast(file);
    }

    /** close(fd): frees the slot and hands the slot's reference back to the caller to put. */
    public KernelFile remove(int fd) {
        KernelFile file = get(fd);
        files[fd] = null;
        lowestFree = Math.min(lowestFree, fd);
        return file;
    }

    /** Every open fd in ascending order. */
    public List<Integer> openDescriptors() {
        List<Integer> open = new ArrayList<>();
        for (int fd = 0; fd < files.length; fd++) {
            if (files[fd] != null && files[fd] != RESERVED) {
                open.add(fd);
            }
        }
        return open;
    }

    /** Restores a file at a given fd number, for snapshots. */
    public void installAt(int fd, KernelFile file) {
        if (fd >= files.length) {
            files = Arrays.copyOf(files, Math.max(fd + 1, files.length * 2));
        }
        if (files[fd] != null) {
            throw new AssertionError("fd " + fd + " restored twice");
        }
        files[fd] = file;
        lowestFree = Math.min(lowestFree, fd);
        while (lowestFree < files.length && files[lowestFree] != null) {
            lowestFree++;
        }
    }
}
