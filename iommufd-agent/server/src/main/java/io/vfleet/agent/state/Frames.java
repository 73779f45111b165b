package io.vfleet.agent.state;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * How the agent's state files are laid out: a header naming the file's kind and format version, then
 * frames, each a checksummed payload that one write put there.
 *
 * <pre>
 * file header   8 bytes kind ("VFLTBASE", "VFLTJRNL") | u32 format version
 * frame header  u32 0x56464652 ("VFFR") | u32 payload length | u32 CRC-32C of the payload
 *               | u32 CRC-32C of the twelve header bytes before it
 * payload       a protobuf message of {@code state.proto}
 * </pre>
 * All integers are big-endian. The header's own checksum tells a damaged length from a damaged
 * payload; the magic word lets a reader find whole frames after a damaged one, which is how a torn
 * tail (nothing whole after it) is told from damage in the middle (see {@link #read}).
 */
final class Frames {
    static final int FILE_HEADER_BYTES = 12;
    static final int FRAME_HEADER_BYTES = 16;
    private static final int FRAME_MAGIC = 0x56464652;

    /** A file kind: its magic and the newest format version this agent writes and reads. */
    record Kind(String magic, int version, String description) {
        Kind {
            if (magic.length() != 8) {
                throw new IllegalArgumentException("a file kind's magic has 8 characters: " + magic);
            }
        }

        byte[] header() {
            return ByteBuffer.allocate(FILE_HEADER_BYTES).put(magic.getBytes(StandardCharsets.US_ASCII)).putInt(version).array();
        }
    }

    /** A whole frame: its number in the file (from 1), where it starts, and its payload. */
    // Read once and never compared or hashed: the payload stays the bytes read.
    @SuppressWarnings("ArrayRecordComponent")
    record Frame(int number, long offset, byte[] payload) {
    }

    /**
     * The first frame that is not whole: its number and offset, why, and where the next whole frame
     * after it starts, or -1 when none does.
     */
    record Damage(int number, long offset, String why, long nextWholeFrame) {
        String where() {
            return "frame " + number + " at byte " + offset;
        }
    }

    /**
     * A file read back: its whole frames in order, the damage that ended them, or null, and where the
     * bytes it holds end (before a tail of zeros, in a preallocated file).
     */
    record Read(List<Frame> frames, Damage damage, long end) {
    }

    private Frames() {
    }

    /** {@code payload} framed: header and payload, ready to be written in one piece. */
    static byte[] frame(byte[] payload) {
        ByteBuffer frame = ByteBuffer.allocate(FRAME_HEADER_BYTES + payload.length);
        frame.putInt(FRAME_MAGIC).putInt(payload.length).putInt(crc32c(payload, 0, payload.length));
        frame.putInt(crc32c(frame.array(), 0, 12));
        return frame.put(payload).array();
    }

    /**
     * Checks the file header of {@code bytes}: a file too short to hold one, of another kind, or of a
     * version this agent does not read is a {@link StateException} naming {@code file}.
     */
    static void checkHeader(String file, byte[] bytes, Kind kind) {
        if (bytes.length < FILE_HEADER_BYTES) {
            throw new StateException(file + ": truncated: " + bytes.length + " bytes, fewer than the " + FILE_HEADER_BYTES
                    + "-byte header of a " + kind.description());
        }
        String magic = new String(bytes, 0, 8, StandardCharsets.ISO_8859_1);
        if (!magic.equals(kind.magic())) {
            throw new StateException(file + ": not a " + kind.description() + " (it starts with '" + printable(magic)
                    + "', not '" + kind.magic() + "')");
        }
        int version = ByteBuffer.wrap(bytes, 8, 4).getInt();
        if (version > kind.version()) {
            throw new StateException(file + ": format version " + version + " is newer than this agent reads ("
                    + kind.version() + "); it was written by a newer agent");
        }
        if (version < 1) {
            throw new StateException(file + ": format version " + version + " does not exist");
        }
    }

    /** The frames after the file header of {@code bytes}, up to the first that is not whole. */
    static Read read(byte[] bytes) {
        return read(bytes, false);
    }

    /**
     * {@link #read(byte[])} of a file written into preallocated zeros (a journal segment): nothing but
     * zeros after the last whole frame is where the frames end, not damage. The zeros cannot hide a
     * whole frame (one starts with its magic), so a damaged frame followed by a whole one before them
     * is still damage in the middle.
     */
    static Read read(byte[] bytes, boolean zeroTail) {
        int end = zeroTail ? endOfData(bytes) : bytes.length;
        List<Frame> frames = new ArrayList<>();
        int offset = FILE_HEADER_BYTES;
        while (offset < end) {
            int number = frames.size() + 1;
            String damage = damage(bytes, offset);
            if (damage != null) {
                return new Read(frames, new Damage(number, offset, damage, nextWholeFrame(bytes, offset + 1, end)), end);
            }
            int length = ByteBuffer.wrap(bytes, offset + 4, 4).getInt();
            byte[] payload = new byte[length];
            System.arraycopy(bytes, offset + FRAME_HEADER_BYTES, payload, 0, length);
            frames.add(new Frame(number, offset, payload));
            offset += FRAME_HEADER_BYTES + length;
        }
        return new Read(frames, null, Math.max(offset, end));
    }

    /** Where the bytes end that are not a tail of zeros (at least the file header's end). */
    private static int endOfData(byte[] bytes) {
        int end = bytes.length;
        while (end > FILE_HEADER_BYTES && bytes[end - 1] == 0) {
            end--;
        }
        return end;
    }

    /** Why the frame at {@code offset} is not whole, or null when it is. */
    private static String damage(byte[] bytes, int offset) {
        int available = bytes.length - offset;
        if (available < FRAME_HEADER_BYTES) {
            return "truncated: " + available + " bytes, fewer than a frame header";
        }
        ByteBuffer header = ByteBuffer.wrap(bytes, offset, FRAME_HEADER_BYTES);
        int magic = header.getInt();
        int length = header.getInt();
        int payloadChecksum = header.getInt();
        int headerChecksum = header.getInt();
        if (magic != FRAME_MAGIC || headerChecksum != crc32c(bytes, offset, 12)) {
            return "the frame header is damaged (" + (magic != FRAME_MAGIC ? "no frame magic" : "header checksum mismatch") + ")";
        }
        if (length < 0 || length > available - FRAME_HEADER_BYTES) {
            return "truncated: the frame announces " + Integer.toUnsignedString(length) + " bytes, only "
                    + (available - FRAME_HEADER_BYTES) + " follow";
        }
        int actual = crc32c(bytes, offset + FRAME_HEADER_BYTES, length);
        if (actual != payloadChecksum) {
            return "checksum mismatch: the frame says " + hex(payloadChecksum) + ", its " + length + " bytes give " + hex(actual);
        }
        return null;
    }

    /** Where the first whole frame at or after {@code from} and starting before {@code end} starts, or -1. */
    private static long nextWholeFrame(byte[] bytes, int from, int end) {
        for (int offset = from; offset < end && offset + FRAME_HEADER_BYTES <= bytes.length; offset++) {
            if (ByteBuffer.wrap(bytes, offset, 4).getInt() == FRAME_MAGIC && damage(bytes, offset) == null) {
                return offset;
            }
        }
        return -1;
    }

    static int crc32c(byte[] bytes, int offset, int length) {
        CRC32C crc = new CRC32C();
        crc.update(bytes, offset, length);
        return (int) crc.getValue();
    }

    private static String hex(int value) {
        return String.format("%08x", value);
    }

    private static String printable(String text) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            out.append(c >= 0x20 && c < 0x7f ? c : '?');
        }
        return out.toString();
    }
}
