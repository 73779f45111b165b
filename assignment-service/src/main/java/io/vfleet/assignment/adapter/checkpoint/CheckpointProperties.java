package io.vfleet.assignment.adapter.checkpoint;

import java.nio.file.Path;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Where the audit log's checkpoints are signed from and kept, under {@code vfleet.audit}:
 *
 * <ul>
 *   <li>{@code signing.key-file}: the signing key, one line {@code PRIVATE+KEY+<name>+<key ID>+<key>}
 *       (a Kubernetes Secret mounted as a file). Its name is the log's origin in every checkpoint.
 *   <li>{@code signing.verifier-keys}: optional; a file of verifier keys ({@code <name>+<key ID>+<key>},
 *       one per line) whose checkpoints are still trusted: the public keys of the keys this one replaced.
 *   <li>{@code signing.generate-if-missing}: for a local stack only, a throwaway key is written to
 *       {@code key-file} when there is none; otherwise the service does not start without a key.
 *   <li>{@code checkpoints.directory}: where checkpoints are kept outside the database (default
 *       {@code audit-checkpoints}, relative to the working directory: the stack's state directory).
 *   <li>{@code checkpoints.interval}: how often the sequencer's leader signs one, changed or not
 *       (default one minute; 0 for only on demand).
 * </ul>
 */
@ConfigurationProperties("vfleet.audit")
public record CheckpointProperties(Signing signing, Checkpoints checkpoints) {

    public record Signing(Path keyFile, Path verifierKeys, boolean generateIfMissing) {}

    public record Checkpoints(Path directory, Duration interval) {

        public Checkpoints {
            directory = directory == null ? Path.of("audit-checkpoints") : directory;
            interval = interval == null ? Duration.ofMinutes(1) : interval;
            if (interval.isNegative()) {
                throw new IllegalStateException("vfleet.audit.checkpoints.interval must not be negative, was " + interval);
            }
        }
    }

    public CheckpointProperties {
        signing = signing == null ? new Signing(null, null, false) : signing;
        checkpoints = checkpoints == null ? new Checkpoints(null, null) : checkpoints;
    }
}
