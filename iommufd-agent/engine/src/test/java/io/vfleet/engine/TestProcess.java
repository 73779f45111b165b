package io.vfleet.engine;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vfleet.engine.process.AddressSpace;
import io.vfleet.engine.process.Capability;
import io.vfleet.engine.process.ProcessSpec;
import io.vfleet.engine.uapi.Ioctl;
import java.util.Set;
import org.assertj.core.api.AbstractThrowableAssert;

/**
 * A process on a test host, with the system calls as methods so that tests read like the C
 * selftests they mirror: {@code vmm.ioctl(fd, ...)}, {@code vmm.fails(Errno.EBUSY, () -> ...)}.
 */
public final class TestProcess {
    public static final int O_RDWR = 2;
    public static final long MEMLOCK = 1L << 30;

    private final Host host;
    private final int pid;

    private TestProcess(Host host, int pid) {
        this.host = host;
        this.pid = pid;
    }

    /** A process of uid 1000 with a 1 GiB RLIMIT_MEMLOCK and the given capabilities. */
    public static TestProcess spawn(Host host, Capability... capabilities) {
        return spawn(host, new ProcessSpec("vmm", 1000, Set.of(capabilities), MEMLOCK));
    }

    public static TestProcess spawn(Host host, ProcessSpec spec) {
        return new TestProcess(host, host.spawn(spec));
    }

    public int pid() {
        return pid;
    }

    public Host host() {
        return host;
    }

    public int open(String path) {
        return host.open(pid, path, O_RDWR);
    }

    public void close(int fd) {
        host.close(pid, fd);
    }

    public <R> R ioctl(int fd, Ioctl<R> request) {
        return host.ioctl(pid, fd, request);
    }

    /** Anonymous read-write memory. */
    public long mmap(long length) {
        return host.mmap(pid, length, AddressSpace.PROT_READ | AddressSpace.PROT_WRITE);
    }

    public long mmap(long length, int prot) {
        return host.mmap(pid, length, prot);
    }

    public void munmap(long address, long length) {
        host.munmap(pid, address, length);
    }

    public void exit() {
        host.exit(pid);
    }

    /** Asserts that {@code call} fails with {@code errno}. */
    public static AbstractThrowableAssert<?, ? extends Throwable> fails(Errno errno, ThrowingCall call) {
        return fails("the call", errno, call);
    }

    /** Asserts that {@code call}, the case {@code why} names in a failure, fails with {@code errno}. */
    public static AbstractThrowableAssert<?, ? extends Throwable> fails(String why, Errno errno, ThrowingCall call) {
        return assertThatThrownBy(call::run, "%s", why)
                .isInstanceOf(KernelException.class)
                .satisfies(e -> org.assertj.core.api.Assertions.assertThat(((KernelException) e).errno())
                        .as("%s: errno of %s", why, e.getMessage())
                        .isEqualTo(errno));
    }

    /** A system call under test. */
    @FunctionalInterface
    public interface ThrowingCall {
        void run() throws Exception;
    }
}
