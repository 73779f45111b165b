package io.vfleet.agent.kernel;

import io.vfleet.engine.Host;
import io.vfleet.engine.process.ProcessSpec;
import io.vfleet.engine.uapi.Ioctl;

/**
 * One system call into the host's kernel, as data: what the agent's callers ask for, in the order the
 * kernel saw it. Being data lets the agent record the calls that change state and play them again
 * into a freshly booted host of the same topology, which leaves it in the same state, because the
 * engine is deterministic (pids, fds, object IDs and mmap addresses are all lowest-free or counters).
 *
 * @param <R> what the call returns on success
 */
public sealed interface Syscall<R> {

    /** Makes the call on {@code host}; a refusal is the engine's {@code KernelException}. */
    R applyTo(Host host);

    /** Whether the call may change kernel state; pure reads are not recorded. */
    boolean changesState();

    /** fork() + execve(). */
    record Spawn(ProcessSpec spec) implements Syscall<Integer> {
        @Override
        public Integer applyTo(Host host) {
            return host.spawn(spec);
        }

        @Override
        public boolean changesState() {
            return true;
        }
    }

    /** exit(2). */
    record Exit(int pid) implements Syscall<Ioctl.Done> {
        @Override
        public Ioctl.Done applyTo(Host host) {
            host.exit(pid);
            return Ioctl.Done.INSTANCE;
        }

        @Override
        public boolean changesState() {
            return true;
        }
    }

    /** mmap(2) of anonymous memory. */
    record Mmap(int pid, long length, int prot) implements Syscall<Long> {
        @Override
        public Long applyTo(Host host) {
            return host.mmap(pid, length, prot);
        }

        @Override
        public boolean changesState() {
            return true;
        }
    }

    /** munmap(2). */
    record Munmap(int pid, long address, long length) implements Syscall<Ioctl.Done> {
        @Override
        public Ioctl.Done applyTo(Host host) {
            host.munmap(pid, address, length);
            return Ioctl.Done.INSTANCE;
        }

        @Override
        public boolean changesState() {
            return true;
        }
    }

    /** open(2). */
    record Open(int pid, String path, int flags) implements Syscall<Integer> {
        @Override
        public Integer applyTo(Host host) {
            return host.open(pid, path, flags);
        }

        @Override
        public boolean changesState() {
            return true;
        }
    }

    /** close(2). */
    record Close(int pid, int fd) implements Syscall<Ioctl.Done> {
        @Override
        public Ioctl.Done applyTo(Host host) {
            host.close(pid, fd);
            return Ioctl.Done.INSTANCE;
        }

        @Override
        public boolean changesState() {
            return true;
        }
    }

    /** ioctl(2). */
    record IoctlCall<R>(int pid, int fd, Ioctl<R> request) implements Syscall<R> {
        @Override
        public R applyTo(Host host) {
            return host.ioctl(pid, fd, request);
        }

        @Override
        public boolean changesState() {
            return switch (request) {
                case Ioctl.IommuIoasIovaRanges ignored -> false;
                case Ioctl.IommuOption option -> option.op() != Ioctl.IommuOption.OP_GET;
                case Ioctl.IommuVfioIoas vfioIoas -> vfioIoas.op() != Ioctl.IommuVfioIoas.OP_GET;
                case Ioctl.VfioDeviceGetInfo ignored -> false;
                case Ioctl.VfioDeviceGetPciHotResetInfo ignored -> false;
                case Ioctl.VfioGroupGetStatus ignored -> false;
                case Ioctl.VfioGetApiVersion ignored -> false;
                case Ioctl.VfioCheckExtension ignored -> false;
                case Ioctl.UnknownIoctl ignored -> false;
                // Every other ioctl, and any the engine adds later, is recorded: replaying a read
                // is harmless, missing a write is not.
                default -> true;
            };
        }
    }
}
