package io.vfleet.linux.uapi;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;

/**
 * One uapi struct in native memory, its fields read and written by the names the header gives them.
 * A field's width comes from the layout: a {@code __u16} written from an int keeps its low 16 bits, as
 * a C assignment would.
 */
public record Struct(StructLayout layout, MemorySegment memory) {

    public Struct {
        if (memory.byteSize() < layout.byteSize()) {
            throw new IllegalArgumentException(memory.byteSize() + " bytes hold no " + layout.name().orElse("struct")
                    + " of " + layout.byteSize());
        }
    }

    public Struct put(String field, long value) {
        MemoryLayout element = layout.select(groupElement(field));
        long offset = layout.byteOffset(groupElement(field));
        switch ((int) element.byteSize()) {
            case 1 -> memory.set(ValueLayout.JAVA_BYTE, offset, (byte) value);
            case 2 -> memory.set(ValueLayout.JAVA_SHORT_UNALIGNED, offset, (short) value);
            case 4 -> memory.set(ValueLayout.JAVA_INT_UNALIGNED, offset, (int) value);
            case 8 -> memory.set(ValueLayout.JAVA_LONG_UNALIGNED, offset, value);
            default -> throw new AssertionError(field + " is " + element.byteSize() + " bytes wide");
        }
        return this;
    }

    /** The field's value, zero-extended from its width (a u32 of 0xffffffff reads as 4294967295). */
    public long unsigned(String field) {
        MemoryLayout element = layout.select(groupElement(field));
        long offset = layout.byteOffset(groupElement(field));
        return switch ((int) element.byteSize()) {
            case 1 -> Byte.toUnsignedLong(memory.get(ValueLayout.JAVA_BYTE, offset));
            case 2 -> Short.toUnsignedLong(memory.get(ValueLayout.JAVA_SHORT_UNALIGNED, offset));
            case 4 -> Integer.toUnsignedLong(memory.get(ValueLayout.JAVA_INT_UNALIGNED, offset));
            case 8 -> memory.get(ValueLayout.JAVA_LONG_UNALIGNED, offset);
            default -> throw new AssertionError(field + " is " + element.byteSize() + " bytes wide");
        };
    }

    /** A 32-bit field with its bits as an int, as the engine's records carry u32 and s32 alike. */
    public int int32(String field) {
        return (int) unsigned(field);
    }

    /** The address of the struct, for the ioctl's argument or another struct's pointer field. */
    public long address() {
        return memory.address();
    }
}
