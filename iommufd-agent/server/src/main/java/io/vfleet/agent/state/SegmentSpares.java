package io.vfleet.agent.state;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * Journal segments made ahead of need: a spare ({@value #SPARE}) holds a segment header and zeros up
 * to the segment size, written and synced in the background, so that a flush into it overwrites
 * blocks that are already allocated and already on disk. Its fdatasync then writes the frame's own
 * blocks and nothing else: no block allocation, no size change, no journal commit of the file
 * system's metadata, which is what made a sync of an appended frame several times dearer.
 *
 * <p>A spare is filled under a temporary name and renamed once it is whole and synced, so a spare
 * found under its own name (after a restart) is whole and is taken as it is. Taking it renames it to
 * the segment's name and syncs the directory, once per segment. The next spare is filled when the
 * journal says it will soon be needed ({@link #prepareNext}: the segment is half full, or a base was
 * cut and the next flush starts a new segment), so a flush rarely waits for one, and an idle journal
 * has no writer of its own.
 */
final class SegmentSpares implements AutoCloseable {
    static final String SPARE = "segment.spare";
    private static final String FILLING = SPARE + ".tmp";
    private static final AtomicLong FILLS = new AtomicLong();
    private static final int ZEROS = 64 << 10;

    private final Path directory;
    private final long segmentBytes;
    private Thread filling;
    private volatile IOException failed;

    /**
     * Spares of {@code segmentBytes} for {@code directory}: one a previous run left is kept; none is
     * filled before {@link #prepareNext} (a start that refuses its state leaves no writer behind).
     */
    SegmentSpares(Path directory, long segmentBytes) throws IOException {
        if (segmentBytes < Frames.FILE_HEADER_BYTES + Frames.FRAME_HEADER_BYTES) {
            throw new IllegalArgumentException("a journal segment needs more than " + segmentBytes + " bytes");
        }
        this.directory = directory;
        this.segmentBytes = segmentBytes;
        try (Stream<Path> files = Files.list(directory)) {
            for (Path file : files.filter(file -> file.getFileName().toString().startsWith(FILLING)).toList()) {
                Files.deleteIfExists(file);
            }
        }
        Path spare = directory.resolve(SPARE);
        if (Files.exists(spare) && Files.size(spare) != segmentBytes) {
            Files.delete(spare);
        }
    }

    long segmentBytes() {
        return segmentBytes;
    }

    /**
     * Renames the spare (waiting for it when it is still being filled) to {@code segment}, with the
     * directory entry on disk.
     */
    synchronized Path take(Path segment) throws IOException {
        awaitFilled();
        if (failed != null) {
            IOException failure = failed;
            failed = null;
            throw failure;
        }
        Path spare = directory.resolve(SPARE);
        if (!Files.exists(spare)) {
            fill();
        }
        Files.move(spare, segment, StandardCopyOption.ATOMIC_MOVE);
        Segment.syncDirectory(directory);
        return segment;
    }

    /** Starts filling a spare in the background unless one is there or being filled. */
    synchronized void prepareNext() {
        if (filling != null || Files.exists(directory.resolve(SPARE))) {
            return;
        }
        filling = Thread.ofPlatform().daemon().name("journal-preallocation").start(() -> {
            try {
                fill();
            } catch (IOException failure) {
                failed = failure;
            }
        });
    }

    /** Writes a whole spare under the temporary name, syncs it, and renames it into place. */
    private void fill() throws IOException {
        // A name of its own: a journal a test abandoned (as a crash would) may still be filling one.
        Path temporary = directory.resolve(FILLING + "-" + FILLS.incrementAndGet());
        try (FileChannel channel = FileChannel.open(temporary, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.WRITE)) {
            ByteBuffer header = ByteBuffer.wrap(JournalRecovery.SEGMENT_KIND.header());
            while (header.hasRemaining()) {
                channel.write(header);
            }
            ByteBuffer zeros = ByteBuffer.allocate(ZEROS);
            for (long position = Frames.FILE_HEADER_BYTES; position < segmentBytes; ) {
                zeros.clear().limit((int) Math.min(ZEROS, segmentBytes - position));
                position += channel.write(zeros, position);
            }
            channel.force(true);
        }
        Files.move(temporary, directory.resolve(SPARE), StandardCopyOption.ATOMIC_MOVE);
        Segment.syncDirectory(directory);
    }

    private void awaitFilled() {
        Thread running = filling;
        if (running == null) {
            return;
        }
        boolean interrupted = false;
        while (true) {
            try {
                running.join();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        filling = null;
    }

    /** Waits for a spare being filled; what is on disk stays for the next start. */
    @Override
    public synchronized void close() {
        awaitFilled();
    }
}
