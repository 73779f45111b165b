package io.vfleet.assignment.adapter.checkpoint;

import io.vfleet.assignment.application.port.CheckpointArchive;
import io.vfleet.tlog.AtomicFile;
import io.vfleet.tlog.Checkpoint;
import io.vfleet.tlog.Note;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Checkpoints in a directory outside the database: {@code latest.checkpoint}, replaced atomically by
 * each larger one, and {@code <size>.checkpoint}, the first signed at each size, never rewritten.
 * An operator keeps the directory on storage the database's administrators cannot write (another
 * volume, a backup, an object store synced from it); checkpoints are public, only their integrity
 * matters.
 */
final class CheckpointDirectory implements CheckpointArchive {

    static final String LATEST = "latest.checkpoint";

    private final Path directory;

    CheckpointDirectory(Path directory) {
        this.directory = directory.toAbsolutePath();
        try {
            Files.createDirectories(this.directory);
        } catch (IOException failed) {
            throw new IllegalStateException("cannot create the audit checkpoint directory vfleet.audit.checkpoints.directory="
                    + this.directory + ": " + failed.getMessage());
        }
    }

    @Override
    public synchronized void publish(long size, String note) {
        try {
            Path ofSize = directory.resolve(size + ".checkpoint");
            if (!Files.exists(ofSize)) {
                AtomicFile.write(ofSize, note);
            }
            if (latestSize().map(latest -> latest <= size).orElse(true)) {
                AtomicFile.write(directory.resolve(LATEST), note);
            }
        } catch (IOException failed) {
            throw new UncheckedIOException("cannot keep the audit checkpoint of " + size + " in " + directory, failed);
        }
    }

    @Override
    public Optional<String> latest() {
        Path latest = directory.resolve(LATEST);
        try {
            return Files.exists(latest) ? Optional.of(Files.readString(latest, StandardCharsets.UTF_8)) : Optional.empty();
        } catch (IOException failed) {
            throw new UncheckedIOException("cannot read " + latest, failed);
        }
    }

    /** The size the latest checkpoint claims, unverified: only to keep {@code latest} from going back. */
    private Optional<Long> latestSize() {
        return latest().flatMap(note -> {
            try {
                return Optional.of(Checkpoint.parse(Note.parse(note).text()).size());
            } catch (Note.Refused | IllegalArgumentException unreadable) {
                return Optional.empty();
            }
        });
    }

    @Override
    public String describe() {
        return directory.toString();
    }
}
