package io.vfleet.linux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vfleet.engine.Errno;
import io.vfleet.engine.KernelException;
import io.vfleet.engine.process.ProcessSpec;
import io.vfleet.engine.uapi.Ioctl;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The Linux backend's processes on the machine the build runs on: descriptors, memory and errnos come
 * from the real kernel. Device nodes of vfio and iommufd are the lab's business; {@code /dev/null}
 * and {@code /dev/zero} stand for files here.
 */
class LinuxKernelTest {
    private static final ProcessSpec VMM = new ProcessSpec("vmm", 0, Set.of(), ProcessSpec.UNLIMITED);

    private LinuxKernel kernel;

    @BeforeEach
    void open() {
        kernel = LinuxKernel.open();
    }

    @AfterEach
    void close() {
        kernel.close();
    }

    @Test
    void descriptorsAreTheProcesssOwnLowestFreeNumbers() {
        int pid = kernel.spawn(VMM);
        int other = kernel.spawn(VMM);
        assertThat(kernel.open(pid, "/dev/null", 2)).isZero();
        assertThat(kernel.open(pid, "/dev/zero", 2)).isEqualTo(1);
        assertThat(kernel.open(other, "/dev/null", 2)).as("another process numbers from 0 too").isZero();
        kernel.close(pid, 0);
        assertThat(kernel.open(pid, "/dev/zero", 2)).isZero();
        assertThat(kernel.processes()).containsOnlyKeys(pid, other);
    }

    @Test
    void theKernelsErrnoComesBackAsIs() {
        int pid = kernel.spawn(VMM);
        assertErrno(() -> kernel.open(pid, "/dev/vfio/no-such-group", 2), Errno.ENOENT);
        int fd = kernel.open(pid, "/dev/null", 2);
        assertErrno(() -> kernel.ioctl(pid, fd, Ioctl.IommuIoasAlloc.of()), Errno.ENOTTY);
        assertErrno(() -> kernel.ioctl(pid, fd + 1, Ioctl.IommuIoasAlloc.of()), Errno.EBADF);
        assertErrno(() -> kernel.close(pid, fd + 1), Errno.EBADF);
        assertErrno(() -> kernel.open(pid + 1, "/dev/null", 2), Errno.ESRCH);
    }

    @Test
    void memoryIsMappedInTheProcesssSliceWithTheEnginesAlignment() {
        int pid = kernel.spawn(VMM);
        long first = kernel.mmap(pid, 2 << 20, 3);
        long second = kernel.mmap(pid, 4096, 1);
        assertThat(first % LinuxProcess.SLICE).as("the first region starts the slice, as the engine's starts its base").isZero();
        assertThat(second).isEqualTo(first + (2 << 20));
        MemorySegment memory = MemorySegment.ofAddress(first).reinterpret(2 << 20);
        memory.set(ValueLayout.JAVA_LONG, 8, 42);
        assertThat(memory.get(ValueLayout.JAVA_LONG, 8)).isEqualTo(42);

        kernel.munmap(pid, first, 2 << 20);
        assertThat(kernel.mmap(pid, 4096, 3)).as("the hole is reused first").isEqualTo(first);
        assertErrno(() -> kernel.munmap(pid, first + 1, 4096), Errno.EINVAL);
        assertErrno(() -> kernel.mmap(pid, LinuxProcess.SLICE + 4096, 3), Errno.ENOMEM);
        kernel.munmap(pid, 0x1000, 4096);
    }

    @Test
    void anExitedProcessIsGoneWithItsFiles() {
        int pid = kernel.spawn(VMM);
        kernel.open(pid, "/dev/null", 2);
        kernel.mmap(pid, 4096, 3);
        kernel.exit(pid);
        assertThat(kernel.processes()).doesNotContainKey(pid);
        assertErrno(() -> kernel.exit(pid), Errno.ESRCH);
        assertThat(kernel.spawn(VMM)).as("pids are not reused").isEqualTo(pid + 1);
    }

    private static void assertErrno(Runnable call, Errno errno) {
        assertThatThrownBy(call::run).isInstanceOfSatisfying(KernelException.class,
                refused -> assertThat(refused.errno()).isEqualTo(errno));
    }
}
