package io.vfleet.agent.state;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The journal segment being written: frames written one after another into a file that was
 * preallocated, zero-filled and synced ({@link SegmentSpares}), each forced to disk with fdatasync by
 * the flush that wrote it. A new segment's header and directory entry are on disk before it takes a
 * frame, so a frame that was forced can always be found again; the zeros after the last frame are
 * where recovery sees the segment end. A frame larger than a whole segment is written past its end,
 * which grows the file. Used under the journal's flush lock.
 */
final class Segment implements AutoCloseable {
    private final Path path;
    private final FileChannel channel;
    private final long firstSequence;
    private long lastSequence;
    private final long capacity;
    private long size;

    private Segment(Path path, FileChannel channel, long firstSequence, long capacity) {
        this.path = path;
        this.channel = channel;
        this.firstSequence = firstSequence;
        this.capacity = capacity;
        this.lastSequence = firstSequence - 1;
        this.size = Frames.FILE_HEADER_BYTES;
    }

    /** A new, empty segment whose first change will be {@code firstSequence}: the next of {@code spares}. */
    static Segment create(Path directory, long firstSequence, SegmentSpares spares) throws IOException {
        if (Files.exists(directory.resolve(JournalRecovery.segmentName(firstSequence)), LinkOption.NOFOLLOW_LINKS)) {
            throw new FileAlreadyExistsException(directory.resolve(JournalRecovery.segmentName(firstSequence)).toString());
        }
        Path path = spares.take(directory.resolve(JournalRecovery.segmentName(firstSequence)));
        return new Segment(path, FileChannel.open(path, StandardOpenOption.WRITE), firstSequence, spares.segmentBytes());
    }

    /** Whether {@code bytes} more fit in the space preallocated. */
    boolean fits(int bytes) {
        return size + bytes <= capacity;
    }

    /** Whether more than half the space preallocated is written. */
    boolean halfFull() {
        return size > capacity / 2;
    }

    /** Writes {@code frame}, which holds the changes up to {@code lastSequence}; {@link #force} makes it durable. */
    void write(byte[] frame, long lastSequence) throws IOException {
        writeFully(channel, frame, size);
        size += frame.length;
        this.lastSequence = lastSequence;
    }

    /** fdatasync: the frames written so far are on disk. */
    void force() throws IOException {
        channel.force(false);
    }

    JournalRecovery.SegmentFile file() {
        return new JournalRecovery.SegmentFile(path, firstSequence, lastSequence);
    }

    boolean isEmpty() {
        return lastSequence < firstSequence;
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }

    private static void writeFully(FileChannel channel, byte[] bytes, long position) throws IOException {
        ByteBuffer buffer = ByteBuffer.wrap(bytes);
        while (buffer.hasRemaining()) {
            position += channel.write(buffer, position);
        }
    }

    /** The directory's entries on disk: a created or renamed file survives a crash. */
    static void syncDirectory(Path directory) throws IOException {
        try (FileChannel channel = FileChannel.open(directory, StandardOpenOption.READ)) {
            channel.force(true);
        }
    }
}
