package io.vfleet.linux;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * The C library's system call wrappers the Linux backend makes, through {@code java.lang.foreign}:
 * each returns what the call returned, or throws {@link SystemCallFailed} with the errno the call
 * left, captured right after it returned (so no JVM activity in between can overwrite it).
 *
 * <p>Pointers travel as {@code long} addresses: on x86-64 both are passed in the same registers.
 */
final class LibC {
    static final int O_RDWR = 2, O_CLOEXEC = 0x80000;
    static final int PROT_NONE = 0, PROT_READ = 1, PROT_WRITE = 2;
    static final int MAP_PRIVATE = 0x02, MAP_FIXED = 0x10, MAP_ANONYMOUS = 0x20, MAP_NORESERVE = 0x4000;
    static final long MAP_FAILED = -1L;
    static final int RLIMIT_MEMLOCK = 8;
    static final long SYS_SETRESUID = 117, SYS_GETRESUID = 118, SYS_CAPGET = 125, SYS_CAPSET = 126;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CALL_STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final Linker.Option CAPTURE_ERRNO = Linker.Option.captureCallState("errno");

    private static final MethodHandle OPEN = downcall("open",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT), Linker.Option.firstVariadicArg(2));
    private static final MethodHandle CLOSE = downcall("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle IOCTL = downcall("ioctl",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG), Linker.Option.firstVariadicArg(2));
    private static final MethodHandle MMAP = downcall("mmap",
            FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG));
    private static final MethodHandle MUNMAP = downcall("munmap", FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG));
    private static final MethodHandle SYSCALL = downcall("syscall",
            FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG), Linker.Option.firstVariadicArg(1));
    private static final MethodHandle GETRLIMIT = downcall("getrlimit", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG));
    private static final MethodHandle SETRLIMIT = downcall("setrlimit", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG));

    private LibC() {
    }

    private static MethodHandle downcall(String name, FunctionDescriptor descriptor, Linker.Option... options) {
        Linker.Option[] all = new Linker.Option[options.length + 1];
        all[0] = CAPTURE_ERRNO;
        System.arraycopy(options, 0, all, 1, options.length);
        MemorySegment symbol = LINKER.defaultLookup().find(name)
                .orElseThrow(() -> new UnsatisfiedLinkError("the C library has no " + name));
        return LINKER.downcallHandle(symbol, descriptor, all);
    }

    /** A system call that returned -1; {@link #errno()} is what it set. */
    static final class SystemCallFailed extends Exception {
        private final int errno;

        SystemCallFailed(String call, int errno) {
            super(call + " failed with errno " + errno, null, false, false);
            this.errno = errno;
        }

        int errno() {
            return errno;
        }
    }

    static int open(String path, int flags) throws SystemCallFailed {
        return (int) invoke("open " + path, (arena, state) -> (int) OPEN.invokeExact(state, arena.allocateFrom(path), flags, 0));
    }

    static void close(int fd) throws SystemCallFailed {
        invoke("close", (arena, state) -> (int) CLOSE.invokeExact(state, fd));
    }

    /** ioctl(fd, request, argument): {@code argument} is an address or a plain value, as the request wants. */
    static int ioctl(int fd, long request, long argument) throws SystemCallFailed {
        return (int) invoke("ioctl 0x" + Long.toHexString(request),
                (arena, state) -> (int) IOCTL.invokeExact(state, fd, request, argument));
    }

    static long mmap(long address, long length, int prot, int flags) throws SystemCallFailed {
        return invoke("mmap", (arena, state) -> (long) MMAP.invokeExact(state, address, length, prot, flags, -1, 0L));
    }

    static void munmap(long address, long length) throws SystemCallFailed {
        invoke("munmap", (arena, state) -> (int) MUNMAP.invokeExact(state, address, length));
    }

    /**
     * syscall(2) itself, for the calls whose glibc wrappers do more than the call: glibc's setresuid()
     * changes every thread of the process, the raw call only the calling one.
     */
    static long syscall(long number, long first, long second, long third) throws SystemCallFailed {
        return invoke("syscall " + number, (arena, state) -> (long) SYSCALL.invokeExact(state, number, first, second, third));
    }

    /** getrlimit(2): {soft, hard}. */
    static long[] getrlimit(int resource) throws SystemCallFailed {
        long[] limits = new long[2];
        invoke("getrlimit", (arena, state) -> {
            MemorySegment limit = arena.allocate(JAVA_LONG, 2);
            int result = (int) GETRLIMIT.invokeExact(state, resource, limit.address());
            limits[0] = limit.getAtIndex(JAVA_LONG, 0);
            limits[1] = limit.getAtIndex(JAVA_LONG, 1);
            return result;
        });
        return limits;
    }

    static void setrlimit(int resource, long soft, long hard) throws SystemCallFailed {
        invoke("setrlimit", (arena, state) -> {
            MemorySegment limit = arena.allocate(JAVA_LONG, 2);
            limit.setAtIndex(JAVA_LONG, 0, soft);
            limit.setAtIndex(JAVA_LONG, 1, hard);
            return (int) SETRLIMIT.invokeExact(state, resource, limit.address());
        });
    }

    /** One native call with an errno capture area and an arena for its arguments, both freed after it. */
    @FunctionalInterface
    private interface NativeCall {
        long call(Arena arena, MemorySegment state) throws Throwable;
    }

    private static long invoke(String name, NativeCall call) throws SystemCallFailed {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            long result;
            try {
                result = call.call(arena, state);
            } catch (RuntimeException | Error e) {
                throw e;
            } catch (Throwable e) {
                throw new AssertionError("downcall " + name, e);
            }
            return check(name, result, state);
        }
    }

    private static long check(String call, long result, MemorySegment state) throws SystemCallFailed {
        if (result == -1) {
            throw new SystemCallFailed(call, (int) ERRNO.get(state, 0L));
        }
        return result;
    }
}
