package io.vfleet.engine;

/**
 * A closed interval of I/O virtual addresses, {@code [start, last]}: {@code last} is inclusive, so
 * the whole 64-bit space {@code [0, 2^64-1]} is representable. Both ends are unsigned 64-bit values
 * held in a {@code long}; compare them with {@link Long#compareUnsigned}.
 */
public record IovaRange(long start, long last) {
    public static final IovaRange ALL = new IovaRange(0, -1L);

    public IovaRange {
        if (Long.compareUnsigned(start, last) > 0) {
            throw new IllegalArgumentException("start " + Long.toUnsignedString(start, 16)
                    + " is after last " + Long.toUnsignedString(last, 16));
        }
    }

    /** The range {@code [start, start + length - 1]}; the caller has checked it does not overflow. */
    public static IovaRange ofLength(long start, long length) {
        return new IovaRange(start, start + length - 1);
    }

    /** Number of bytes covered; wraps to 0 for the whole 64-bit space. */
    public long length() {
        return last - start + 1;
    }

    public boolean contains(long iova) {
        return Long.compareUnsigned(start, iova) <= 0 && Long.compareUnsigned(iova, last) <= 0;
    }

    public boolean contains(IovaRange other) {
        return contains(other.start) && contains(other.last);
    }

    public boolean intersects(IovaRange other) {
        return Long.compareUnsigned(start, other.last) <= 0 && Long.compareUnsigned(other.start, last) <= 0;
    }

    @Override
    public String toString() {
        return "[0x" + Long.toUnsignedString(start, 16) + ", 0x" + Long.toUnsignedString(last, 16) + "]";
    }
}
