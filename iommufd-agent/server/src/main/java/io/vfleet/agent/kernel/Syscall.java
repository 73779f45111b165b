package io.vfleet.agent.kernel;

import io.vfleet.engine.Kernel;
import io.vfleet.engine.process.ProcessSpec;
import io.vfleet.engine.uapi.Ioctl;

/**
 * One system call into the host's kernel, as data: what the agent's callers ask for, made through
 * {@link HostKernel#call} on the engine's model or on the real kernel alike.
 *
 * @param <R> what the call returns on success
 */
public sealed interface Syscall<R> {

    /** Makes the call on {@code host}; a refusal is the engine's {@code KernelException}. */
    R applyTo(Kernel host);

    /** The process the call is made in or on; {@link #NO_PROCESS} for one that names none (Spawn). */
    default int pid() {
        return NO_PROCESS;
    }

    int NO_PROCESS = -1;

    /** fork() + execve(). */
    record Spawn(ProcessSpec spec) implements Syscall<Integer> {
        @Override
        public Integer applyTo(Kernel host) {
            return host.spawn(spec);
        }

    }

    /** exit(2). */
    record Exit(int pid) implements Syscall<Ioctl.Done> {
        @Override
        public Ioctl.Done applyTo(Kernel host) {
            host.exit(pid);
            return Ioctl.Done.INSTANCE;
        }

    }

    /** mmap(2) of anonymous memory. */
    record Mmap(int pid, long length, int prot) implements Syscall<Long> {
        @Override
        public Long applyTo(Kernel host) {
            return host.mmap(pid, length, prot);
        }

    }

    /** munmap(2). */
    record Munmap(int pid, long address, long length) implements Syscall<Ioctl.Done> {
        @Override
        public Ioctl.Done applyTo(Kernel host) {
            host.munmap(pid, address, length);
            return Ioctl.Done.INSTANCE;
        }

    }

    /** open(2). */
    record Open(int pid, String path, int flags) implements Syscall<Integer> {
        @Override
        public Integer applyTo(Kernel host) {
            return host.open(pid, path, flags);
        }

    }

    /** close(2). */
    record Close(int pid, int fd) implements Syscall<Ioctl.Done> {
        @Override
        public Ioctl.Done applyTo(Kernel host) {
            host.close(pid, fd);
            return Ioctl.Done.INSTANCE;
        }

    }

    /** ioctl(2). */
    record IoctlCall<R>(int pid, int fd, Ioctl<R> request) implements Syscall<R> {
        @Override
        public R applyTo(Kernel host) {
            return host.ioctl(pid, fd, request);
        }

    }
}
