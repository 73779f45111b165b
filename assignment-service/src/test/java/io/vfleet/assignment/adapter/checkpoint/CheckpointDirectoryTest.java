package io.vfleet.assignment.adapter.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;

import io.vfleet.tlog.Checkpoint;
import io.vfleet.tlog.MerkleTree;
import io.vfleet.tlog.NoteSigner;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointDirectoryTest {

    @TempDir
    Path directory;

    @Test
    void theDirectoryKeepsEverySizeOnceAndTheLatestNeverGoesBack() throws Exception {
        CheckpointDirectory archive = new CheckpointDirectory(directory.resolve("checkpoints"));
        NoteSigner key = NoteSigner.generate("vfleet.test/audit");
        String seven = new Checkpoint("vfleet.test/audit", 7, MerkleTree.emptyRoot()).sign(key);
        String nine = new Checkpoint("vfleet.test/audit", 9, MerkleTree.emptyRoot()).sign(key);

        archive.publish(7, seven);
        archive.publish(9, nine);
        archive.publish(7, seven);

        assertThat(archive.latest()).contains(nine);
        assertThat(Files.readString(directory.resolve("checkpoints/7.checkpoint"))).isEqualTo(seven);
        assertThat(Files.readString(directory.resolve("checkpoints/9.checkpoint"))).isEqualTo(nine);
    }
}
