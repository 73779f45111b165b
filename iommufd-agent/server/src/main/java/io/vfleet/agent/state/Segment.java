package io.vfleet.agent.state;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The journal segment being appended to: frames written at its end, forced to disk by the flush
 * that wrote them. A new segment's header and directory entry are on disk before it takes a frame,
 * so a frame that was forced can always be found again. Used under the journal's flush lock.
 */
final class Segment implements AutoCloseable {
    private final Path path;
    private final FileChannel channel;
    private final long firstSequence;
    private long lastSequence;
    private long size;

    private Segment(Path path, FileChannel channel, long firstSequence) {
        this.path = path;
        this.channel = channel;
        this.firstSequence = firstSequence;
        this.lastSequence = firstSequence - 1;
        this.size = Frames.FILE_HEADER_BYTES;
    }

    /** A new, empty segment whose first change will be {@code firstSequence}. */
    static Segment create(Path directory, long firstSequence) throws IOException {
        Path path = directory.resolve(JournalRecovery.segmentName(firstSequence));
        FileChannel channel = FileChannel.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        try {
            writeFully(channel, JournalRecovery.SEGMENT_KIND.header(), 0);
            channel.force(true);
            syncDirectory(directory);
        } catch (IOException | RuntimeException failed) {
            channel.close();
            throw failed;
        }
        return new Segment(path, channel, firstSequence);
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
