package io.vfleet.stack;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;

/**
 * The running launcher of a state directory: it holds a lock on {@code launcher.lock} for as long as
 * it runs, and the file names its pid. The kernel drops the lock when the process ends, however it
 * ends, so a lock that can be taken means no launcher runs there, and a pid left in the file by a
 * killed launcher is never mistaken for a live one. It also keeps two launchers off one state.
 */
final class LauncherLock implements AutoCloseable {
    static final String FILE = "launcher.lock";

    private final FileChannel channel;
    private final FileLock lock;

    private LauncherLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    /** Takes the lock for this process, or fails naming the launcher that holds it. */
    static LauncherLock acquire(Path stateDirectory) {
        StateDirectory.create(stateDirectory);
        Path file = stateDirectory.resolve(FILE);
        try {
            FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
            FileLock lock = channel.tryLock();
            if (lock == null) {
                channel.close();
                throw new StackException("vfleet already runs from " + stateDirectory + holderPid(file).map(pid -> " (launcher pid " + pid + ")").orElse("")
                        + ": ./vfleet status shows it, ./vfleet down stops it");
            }
            channel.truncate(0);
            channel.write(ByteBuffer.wrap((ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.US_ASCII)), 0);
            channel.force(false);
            return new LauncherLock(channel, lock);
        } catch (IOException e) {
            throw new StackException("cannot lock " + file + ": " + e.getMessage(), e);
        }
    }

    /** The pid of the launcher running from {@code stateDirectory}; empty when none runs there. */
    static Optional<Long> holder(Path stateDirectory) {
        Path file = stateDirectory.resolve(FILE);
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            FileLock probe = channel.tryLock();
            if (probe != null) {
                probe.release();
                return Optional.empty();
            }
        } catch (OverlappingFileLockException heldByThisProcess) {
            return Optional.of(ProcessHandle.current().pid());
        } catch (IOException e) {
            throw new StackException("cannot read " + file + ": " + e.getMessage(), e);
        }
        // Locked, so a launcher runs; it writes its pid right after taking the lock.
        for (int attempt = 0; attempt < 20; attempt++) {
            Optional<Long> pid = holderPid(file);
            if (pid.isPresent()) {
                return pid;
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        throw new StackException(file + " is locked but names no pid");
    }

    private static Optional<Long> holderPid(Path file) {
        try {
            String content = Files.readString(file, StandardCharsets.US_ASCII).strip();
            return content.matches("\\d{1,10}") ? Optional.of(Long.parseLong(content)) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    @Override
    public void close() {
        try {
            lock.release();
            channel.close();
        } catch (IOException e) {
            // The lock goes with the process anyway.
        }
    }
}
