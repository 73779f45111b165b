package io.vfleet.linux;

import io.vfleet.engine.Errno;
import io.vfleet.engine.Kernel;
import io.vfleet.engine.KernelException;
import io.vfleet.engine.process.ProcessSpec;
import io.vfleet.engine.uapi.Ioctl;
import io.vfleet.linux.LibC.SystemCallFailed;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Predicate;

/**
 * The real kernel of the host the agent runs on: each system call is made for real, through
 * {@code java.lang.foreign}, by the process that asked for it, and answers with what the kernel
 * answered, its errno included.
 *
 * <p>Processes live inside the agent ({@link LinuxProcess}): each has its own descriptor numbers and
 * its own slice of memory, and every call runs with its credentials ({@link Credentials}). When a
 * process exits, or the agent stops, its files are closed as an exiting process's are, so what it had
 * bound, attached and mapped is released by the kernel itself.
 *
 * <p>Locking: one lock serialises the calls, because a call borrows the agent's RLIMIT_MEMLOCK and its
 * thread's credentials for its length. The kernel serialises what matters to vfio and iommufd much more
 * finely, but VMMs ask a host for few calls.
 */
public final class LinuxKernel implements Kernel, AutoCloseable {
    private static final System.Logger log = System.getLogger(LinuxKernel.class.getName());
    private static final int FIRST_PID = 100;

    private final ReentrantLock lock = new ReentrantLock();
    private final Credentials credentials;
    private final Map<Integer, LinuxProcess> processes = new TreeMap<>();
    private int nextPid = FIRST_PID;

    private LinuxKernel(Credentials credentials) {
        this.credentials = credentials;
    }

    /** The kernel the agent runs on; says once whether calls can take each process's credentials. */
    public static LinuxKernel open() {
        Credentials credentials = Credentials.ofAgent();
        if (!credentials.switching()) {
            log.log(System.Logger.Level.WARNING, "The agent cannot change its credentials (it needs CAP_SETUID and "
                    + "CAP_SETPCAP): every process's system calls run with the agent's uid, capabilities and RLIMIT_MEMLOCK");
        }
        if (credentials.switching() && credentials.memlockCeiling() != -1L) {
            log.log(System.Logger.Level.WARNING, "The agent lacks CAP_SYS_RESOURCE: a process's RLIMIT_MEMLOCK is at most the "
                    + "agent's hard limit, " + credentials.memlockCeiling() + " bytes");
        }
        return new LinuxKernel(credentials);
    }

    @Override
    public int spawn(ProcessSpec spec) {
        return locked(() -> {
            int pid = nextPid++;
            try {
                processes.put(pid, LinuxProcess.start(pid, spec));
            } catch (SystemCallFailed failed) {
                throw refusal(failed);
            }
            return pid;
        });
    }

    @Override
    public void exit(int pid) {
        locked(() -> {
            LinuxProcess process = process(pid);
            processes.remove(pid);
            for (int fd : process.openDescriptors()) {
                closeQuietly(process, fd);
            }
            try {
                process.releaseMemory();
            } catch (SystemCallFailed failed) {
                throw new AssertionError("cannot release the memory of process " + pid, failed);
            }
            return null;
        });
    }

    @Override
    public long mmap(int pid, long length, int prot) {
        return locked(() -> {
            LinuxProcess process = process(pid);
            try {
                return process.mmap(length, prot);
            } catch (SystemCallFailed failed) {
                throw refusal(failed);
            }
        });
    }

    @Override
    public void munmap(int pid, long address, long length) {
        locked(() -> {
            try {
                process(pid).munmap(address, length);
            } catch (SystemCallFailed failed) {
                throw refusal(failed);
            }
            return null;
        });
    }

    /** open(2) with the process's credentials; the flags asked for are always O_RDWR | O_CLOEXEC, as the engine takes them. */
    @Override
    public int open(int pid, String path, int flags) {
        return locked(() -> {
            LinuxProcess process = process(pid);
            if (!process.canOpen()) {
                throw Errno.EMFILE.exception("process " + pid + " has no free file descriptor");
            }
            int real;
            try {
                real = credentials.as(process.spec(), () -> LibC.open(path, LibC.O_RDWR | LibC.O_CLOEXEC));
            } catch (SystemCallFailed failed) {
                throw refusal(failed);
            }
            return process.install(real);
        });
    }

    @Override
    public void close(int pid, int fd) {
        locked(() -> {
            LinuxProcess process = process(pid);
            Integer real = process.remove(fd);
            if (real == null) {
                throw Errno.EBADF.exception("process " + pid + " has no fd " + fd);
            }
            try {
                credentials.as(process.spec(), () -> {
                    LibC.close(real);
                    return null;
                });
            } catch (SystemCallFailed failed) {
                throw refusal(failed);
            }
            return null;
        });
    }

    @Override
    public <R> R ioctl(int pid, int fd, Ioctl<R> request) {
        return locked(() -> {
            LinuxProcess process = process(pid);
            Integer real = process.real(fd);
            if (real == null) {
                throw Errno.EBADF.exception("process " + pid + " has no fd " + fd);
            }
            Object reply;
            try {
                reply = credentials.as(process.spec(), () -> LinuxIoctls.call(real, request, descriptors(process)));
            } catch (SystemCallFailed failed) {
                throw refusal(failed);
            }
            @SuppressWarnings("unchecked")
            R typed = (R) reply;
            return typed;
        });
    }

    /**
     * The fds of process {@code pid} whose file is one {@code target} accepts, by what {@code /proc/self/fd}
     * names it: the path of a device node, or {@code anon_inode:[name]} for a file the kernel made.
     */
    public List<Integer> descriptorsOpenOn(int pid, Predicate<String> target) {
        return locked(() -> {
            LinuxProcess process = process(pid);
            List<Integer> matching = new ArrayList<>();
            for (int fd : process.openDescriptors()) {
                try {
                    if (target.test(Files.readSymbolicLink(Path.of("/proc/self/fd/" + process.real(fd))).toString())) {
                        matching.add(fd);
                    }
                } catch (IOException closed) {
                    // Not open any more: not one of them.
                }
            }
            return matching;
        });
    }

    /** The running processes and their names, by pid. */
    public Map<Integer, String> processes() {
        return locked(() -> {
            Map<Integer, String> names = new LinkedHashMap<>();
            processes.forEach((pid, process) -> names.put(pid, process.spec().name()));
            return names;
        });
    }

    /** Every process exits, as they would with the agent: the kernel releases what they held. */
    @Override
    public void close() {
        locked(() -> {
            for (int pid : processes.keySet().stream().toList()) {
                exit(pid);
            }
            return null;
        });
    }

    private LinuxIoctls.Descriptors descriptors(LinuxProcess process) {
        return new LinuxIoctls.Descriptors() {
            @Override
            public int real(int fd) {
                if (fd < 0) {
                    return fd;
                }
                Integer real = process.real(fd);
                return real == null ? LinuxIoctls.NOT_OPEN : real;
            }

            @Override
            public int install(int real) {
                try {
                    return process.install(real);
                } catch (KernelException full) {
                    closeReal(real);
                    throw full;
                }
            }
        };
    }

    private void closeQuietly(LinuxProcess process, int fd) {
        Integer real = process.remove(fd);
        if (real != null) {
            closeReal(real);
        }
    }

    private static void closeReal(int real) {
        try {
            LibC.close(real);
        } catch (SystemCallFailed failed) {
            log.log(System.Logger.Level.WARNING, "closing descriptor " + real + " failed: " + failed.getMessage());
        }
    }

    private LinuxProcess process(int pid) {
        LinuxProcess process = processes.get(pid);
        if (process == null) {
            throw Errno.ESRCH.exception("no process " + pid);
        }
        return process;
    }

    /** The kernel's errno as the engine's; one vfleet has no name for is EIO, with its number in the detail. */
    static KernelException refusal(SystemCallFailed failed) {
        for (Errno errno : Errno.values()) {
            if (errno.number() == failed.errno()) {
                return errno.exception(failed.getMessage());
            }
        }
        return Errno.EIO.exception(failed.getMessage() + " (an errno vfleet has no name for)");
    }

    private <T> T locked(java.util.function.Supplier<T> action) {
        lock.lock();
        try {
            return action.get();
        } finally {
            lock.unlock();
        }
    }
}
