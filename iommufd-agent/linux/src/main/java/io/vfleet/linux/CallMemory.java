package io.vfleet.linux;

import io.vfleet.linux.LibC.SystemCallFailed;
import io.vfleet.linux.uapi.Struct;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.util.ArrayList;
import java.util.List;

/**
 * The user memory of one ioctl: its struct and the arrays it points to, zeroed, freed when the call is
 * done. A caller may claim a struct far larger than the kernel's ({@code size} of 1 MiB or more, to see
 * E2BIG checked): the kernel then reads every byte of it, so that much is mapped, as zero pages that
 * cost no memory until written.
 */
final class CallMemory implements AutoCloseable {
    private static final long LARGE = 1 << 20;

    private final Arena arena = Arena.ofConfined();
    private final List<long[]> mappings = new ArrayList<>();

    /** {@code layout} in {@code bytes} of memory (at least the layout's size), zeroed. */
    Struct struct(StructLayout layout, long bytes) throws SystemCallFailed {
        return new Struct(layout, bytes(Math.max(bytes, layout.byteSize())));
    }

    Struct struct(StructLayout layout) throws SystemCallFailed {
        return struct(layout, layout.byteSize());
    }

    /** {@code bytes} of zeroed memory, 8-byte aligned. */
    MemorySegment bytes(long bytes) throws SystemCallFailed {
        if (bytes < LARGE) {
            return arena.allocate(Math.max(bytes, 8), 8);
        }
        long address = LibC.mmap(0, bytes, LibC.PROT_READ | LibC.PROT_WRITE,
                LibC.MAP_PRIVATE | LibC.MAP_ANONYMOUS | LibC.MAP_NORESERVE);
        mappings.add(new long[] {address, bytes});
        return MemorySegment.ofAddress(address).reinterpret(bytes);
    }

    /** A NUL-terminated string, as VFIO_GROUP_GET_DEVICE_FD reads a device's name. */
    MemorySegment string(String text) {
        return arena.allocateFrom(text);
    }

    @Override
    public void close() {
        arena.close();
        for (long[] mapping : mappings) {
            try {
                LibC.munmap(mapping[0], mapping[1]);
            } catch (SystemCallFailed failed) {
                throw new AssertionError("cannot unmap an ioctl's memory", failed);
            }
        }
    }
}
