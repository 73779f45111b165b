package io.vfleet.engine;

import io.vfleet.engine.process.ProcessSpec;
import io.vfleet.engine.uapi.Ioctl;

/**
 * The system calls user space makes into vfio, iommufd and kvm-vfio, and the processes that make them:
 * what {@link Host} answers as a model and what a real Linux kernel answers on a real host, so that
 * the agent serves either and the same call sequence can be put to both.
 *
 * <p>Every refusal is a {@link KernelException} carrying the errno the kernel returned (or would
 * return). File descriptors and pids are those of the calling process as this kernel numbers them.
 */
public interface Kernel {

    /** fork() + execve() of a process with {@code spec}'s credentials and limits; returns its pid. */
    int spawn(ProcessSpec spec);

    /** The process exits: its files are closed, lowest fd first, then its memory goes. */
    void exit(int pid);

    /** mmap of anonymous memory with {@code prot} (PROT_READ 1, PROT_WRITE 2); returns the address. */
    long mmap(int pid, long length, int prot);

    /** munmap(2). */
    void munmap(int pid, long address, long length);

    /** open(2) of a device node; returns the new fd. */
    int open(int pid, String path, int flags);

    /** close(2). */
    void close(int pid, int fd);

    /** ioctl(2): the file behind {@code fd} dispatches the request. */
    <R> R ioctl(int pid, int fd, Ioctl<R> request);
}
