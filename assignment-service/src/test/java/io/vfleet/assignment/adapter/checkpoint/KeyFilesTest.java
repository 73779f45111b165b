package io.vfleet.assignment.adapter.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vfleet.tlog.Checkpoint;
import io.vfleet.tlog.MerkleTree;
import io.vfleet.tlog.NoteSigner;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KeyFilesTest {

    @TempDir
    Path directory;

    @Test
    void aRotatedKeySignsFromThenOnAndTheOldOneStillVerifiesWhatItSigned() throws Exception {
        NoteSigner old = NoteSigner.generate("vfleet.test/audit");
        Path key = Files.writeString(directory.resolve("signing.key"), old.encoded() + "\n");
        Path verifiers = Files.writeString(directory.resolve("verifier-keys"), "");
        KeyFiles keys = new KeyFiles(new CheckpointProperties.Signing(key, verifiers, false));
        String signedBefore = new Checkpoint("vfleet.test/audit", 3, MerkleTree.emptyRoot()).sign(keys.signer());

        NoteSigner rotated = NoteSigner.generate("vfleet.test/audit");
        Files.writeString(key, rotated.encoded() + "\n");
        Files.writeString(verifiers, "# replaced\n" + old.verifier().encoded() + "\n");
        Files.setLastModifiedTime(key, FileTime.from(Instant.now().plusSeconds(5)));
        Files.setLastModifiedTime(verifiers, FileTime.from(Instant.now().plusSeconds(5)));

        assertThat(keys.signer().verifier()).isEqualTo(rotated.verifier());
        assertThat(keys.trusted()).containsExactly(rotated.verifier(), old.verifier());
        assertThat(Checkpoint.open(signedBefore, keys.trusted()).keyName()).endsWith(old.verifier().keyIdHex());
        assertThat(keys.origin()).isEqualTo("vfleet.test/audit");
    }

    @Test
    void withoutAKeyTheServiceDoesNotStartUnlessAThrowawayOneIsAskedFor() throws Exception {
        Path key = directory.resolve("missing.key");

        assertThatThrownBy(() -> new KeyFiles(new CheckpointProperties.Signing(null, null, false)))
                .hasMessageContaining("vfleet.audit.signing.key-file is not set");
        assertThatThrownBy(() -> new KeyFiles(new CheckpointProperties.Signing(key, null, false)))
                .hasMessageContaining("cannot read the audit signing key");

        KeyFiles generated = new KeyFiles(new CheckpointProperties.Signing(key, null, true));

        assertThat(NoteSigner.parse(Files.readString(key)).verifier()).isEqualTo(generated.signer().verifier());
        assertThat(Files.getPosixFilePermissions(key).toString()).isEqualTo("[OWNER_READ, OWNER_WRITE]");
    }

    @Test
    void aKeyFileHalfRewrittenKeepsTheKeyThatWorked() throws Exception {
        NoteSigner current = NoteSigner.generate("vfleet.test/audit");
        Path key = Files.writeString(directory.resolve("signing.key"), current.encoded());
        KeyFiles keys = new KeyFiles(new CheckpointProperties.Signing(key, null, false));

        Files.writeString(key, "PRIVATE+KEY+vfleet.test/audit+");
        Files.setLastModifiedTime(key, FileTime.from(Instant.now().plusSeconds(5)));

        assertThat(keys.signer().verifier()).isEqualTo(current.verifier());
    }
}
