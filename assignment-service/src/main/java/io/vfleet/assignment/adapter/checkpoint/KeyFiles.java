package io.vfleet.assignment.adapter.checkpoint;

import io.vfleet.assignment.application.port.CheckpointKeys;
import io.vfleet.tlog.NoteSigner;
import io.vfleet.tlog.NoteVerifier;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The checkpoint keys from files: the signing key and the verifier keys of the keys it replaced.
 * Rotating is replacing the key file (and adding the old key's verifier key to the verifier file);
 * both files are read again when they change, so a rotated Secret takes effect without a restart.
 * A key that cannot be read is a reason not to start: an audit log nobody can sign is not kept.
 */
final class KeyFiles implements CheckpointKeys {

    private static final Logger log = LoggerFactory.getLogger(KeyFiles.class);

    /** What was read, and the files' times it was read at. */
    private record Loaded(NoteSigner signer, List<NoteVerifier> trusted, FileTime keyTime, FileTime verifiersTime) {}

    private final Path keyFile;
    private final Path verifierKeys;
    private volatile Loaded loaded;

    KeyFiles(CheckpointProperties.Signing signing) {
        if (signing.keyFile() == null) {
            throw new IllegalStateException("vfleet.audit.signing.key-file is not set: the audit log's checkpoints"
                    + " need a signing key (generate one with `java -jar transparency-log.jar generate-key`)");
        }
        this.keyFile = signing.keyFile();
        this.verifierKeys = signing.verifierKeys();
        if (!Files.exists(keyFile) && signing.generateIfMissing()) {
            generate();
        }
        this.loaded = load();
    }

    @Override
    public NoteSigner signer() {
        return current().signer();
    }

    @Override
    public List<NoteVerifier> trusted() {
        return current().trusted();
    }

    private Loaded current() {
        Loaded known = loaded;
        if (!Objects.equals(modified(keyFile), known.keyTime()) || !Objects.equals(modified(verifierKeys), known.verifiersTime())) {
            try {
                Loaded reread = load();
                if (!reread.signer().verifier().equals(known.signer().verifier())) {
                    log.info("the audit checkpoints are signed with {} from now on", reread.signer().verifier());
                }
                loaded = reread;
            } catch (IllegalStateException unreadable) {
                // A half-written Secret keeps the key that worked until the new one reads.
                log.warn("keeping the audit signing key {}: {}", known.signer().verifier(), unreadable.getMessage());
                return known;
            }
        }
        return loaded;
    }

    private Loaded load() {
        FileTime keyTime = modified(keyFile);
        FileTime verifiersTime = modified(verifierKeys);
        NoteSigner signer;
        try {
            signer = NoteSigner.parse(Files.readString(keyFile, StandardCharsets.UTF_8));
        } catch (IOException | IllegalArgumentException unreadable) {
            throw new IllegalStateException("cannot read the audit signing key vfleet.audit.signing.key-file=" + keyFile
                    + ": " + unreadable.getMessage());
        }
        List<NoteVerifier> trusted = new ArrayList<>();
        trusted.add(signer.verifier());
        if (verifierKeys != null) {
            try {
                for (String line : Files.readAllLines(verifierKeys, StandardCharsets.UTF_8)) {
                    if (!line.isBlank() && !line.strip().startsWith("#")) {
                        NoteVerifier verifier = NoteVerifier.parse(line);
                        if (!trusted.contains(verifier)) {
                            trusted.add(verifier);
                        }
                    }
                }
            } catch (IOException | IllegalArgumentException unreadable) {
                throw new IllegalStateException("cannot read vfleet.audit.signing.verifier-keys=" + verifierKeys + ": "
                        + unreadable.getMessage());
            }
        }
        return new Loaded(signer, List.copyOf(trusted), keyTime, verifiersTime);
    }

    private void generate() {
        String name = "vfleet.local/audit-" + Long.toHexString(System.currentTimeMillis());
        NoteSigner generated = NoteSigner.generate(name);
        try {
            Path directory = keyFile.toAbsolutePath().getParent();
            Files.createDirectories(directory);
            Files.createFile(keyFile, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.writeString(keyFile, generated.encoded() + "\n", StandardCharsets.UTF_8);
        } catch (IOException failed) {
            throw new UncheckedIOException("cannot write a new audit signing key to " + keyFile, failed);
        }
        log.warn("generated a throwaway audit signing key in {} (vfleet.audit.signing.generate-if-missing);"
                + " its verifier key is {}", keyFile, generated.verifier().encoded());
    }

    private static FileTime modified(Path file) {
        try {
            return file == null ? null : Files.getLastModifiedTime(file);
        } catch (IOException missing) {
            return null;
        }
    }
}
