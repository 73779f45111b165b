package io.vfleet.tlog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class CheckpointTest {

    @Test
    void aCheckpointIsOriginSizeAndBase64Root() {
        // Go's sumdb/tlog TestFormatTree.
        Checkpoint checkpoint = new Checkpoint("go.sum database tree", 123456789012L,
                MerkleTree.leafHash("hello world".getBytes(StandardCharsets.UTF_8)));

        assertThat(checkpoint.text()).isEqualTo("go.sum database tree\n123456789012\nTszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBb0=\n");
        assertThat(Checkpoint.parse(checkpoint.text())).isEqualTo(checkpoint);
    }

    @Test
    void theC2spExampleReads() throws Exception {
        String example = """
                example.com/behind-the-sofa
                20852163
                CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=

                — example.com/behind-the-sofa Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=
                """;

        Note note = Note.parse(example);
        Checkpoint checkpoint = Checkpoint.parse(note.text());

        assertThat(checkpoint.origin()).isEqualTo("example.com/behind-the-sofa");
        assertThat(checkpoint.size()).isEqualTo(20852163);
        assertThat(checkpoint.root().base64()).isEqualTo("CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=");
        assertThat(note.signatures().getFirst().keyName()).isEqualTo("example.com/behind-the-sofa");
        assertThat(note.signatures().getFirst().signature()).hasSize(64);
    }

    @Test
    void extensionLinesAreSkippedButNeverEmpty() {
        String body = "example.com/log\n3\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n";

        assertThat(Checkpoint.parse(body + "extension\n").size()).isEqualTo(3);
        assertThatThrownBy(() -> Checkpoint.parse(body + "\nextension\n")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void badCheckpointsAreRefused() {
        for (String bad : List.of(
                "go.sum database tree\n0xabcdef\nTszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBb0=\n",
                "go.sum database tree\n123456789012\nTszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBTOOBIG=\n",
                "go.sum database tree\n0123\nTszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBb0=\n",
                "go.sum database tree\n99999999999999999999\nTszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBb0=\n",
                "go.sum database tree\n12\n",
                "\n12\nTszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBb0=\n")) {
            assertThatThrownBy(() -> Checkpoint.parse(bad)).as("%s", bad).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void aSignedCheckpointOpensOnlyWithItsKey() throws Exception {
        NoteSigner log = NoteSigner.generate("vfleet.test/audit");
        NoteSigner other = NoteSigner.generate("vfleet.test/audit");
        Checkpoint checkpoint = new Checkpoint("vfleet.test/audit", 7, MerkleTree.emptyRoot());

        Checkpoint.Signed signed = Checkpoint.open(checkpoint.sign(log), List.of(other.verifier(), log.verifier()));

        assertThat(signed.checkpoint()).isEqualTo(checkpoint);
        assertThat(signed.keyName()).isEqualTo("vfleet.test/audit+" + log.verifier().keyIdHex());
        assertThatThrownBy(() -> Checkpoint.open(checkpoint.sign(other), List.of(log.verifier())))
                .isInstanceOfSatisfying(Note.Refused.class,
                        refused -> assertThat(refused.refusal()).isEqualTo(Note.Refusal.UNKNOWN_KEY));
        assertThatThrownBy(() -> Checkpoint.open(Note.sign("not a checkpoint\n", log), List.of(log.verifier())))
                .isInstanceOfSatisfying(Note.Refused.class,
                        refused -> assertThat(refused.refusal()).isEqualTo(Note.Refusal.MALFORMED));
    }
}
