package io.vfleet.linux.uapi;

/**
 * ioctl request numbers as {@code include/uapi/asm-generic/ioctl.h} builds them on x86:
 * {@code dir << 30 | size << 16 | type << 8 | nr}, with dir 0 none, 1 write, 2 read.
 */
public final class Ioc {
    private static final int WRITE = 1, READ = 2;

    private Ioc() {
    }

    /** {@code _IO(type, nr)}. */
    public static long none(int type, int nr) {
        return encode(0, type, nr, 0);
    }

    /** {@code _IOW(type, nr, struct)}: user space writes {@code size} bytes the kernel reads. */
    static long write(int type, int nr, long size) {
        return encode(WRITE, type, nr, size);
    }

    /** {@code _IOWR(type, nr, struct)}. */
    static long readWrite(int type, int nr, long size) {
        return encode(READ | WRITE, type, nr, size);
    }

    private static long encode(int direction, int type, int nr, long size) {
        if (size < 0 || size >= 1 << 14 || type < 0 || type > 0xff || nr < 0 || nr > 0xff) {
            throw new IllegalArgumentException("no ioctl number for type " + type + ", nr " + nr + ", size " + size);
        }
        return Integer.toUnsignedLong(direction << 30 | (int) size << 16 | type << 8 | nr);
    }
}
