package io.vfleet.tlog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The signed-note format, against the published examples of Go's golang.org/x/mod/sumdb/note. */
class NoteTest {

    static final String PETER_SIGNER = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
    static final String PETER_VERIFIER = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
    static final String ENOCH_VERIFIER = "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop";
    static final String TEXT = """
            If you think cryptography is the answer to your problem,
            then you don't know what your problem is.
            """;
    static final String PETER_SIGNATURE =
            "— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";
    static final String ENOCH_SIGNATURE =
            "— EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n";

    @Test
    void aSignerKeyGivesThePublishedVerifierKeyAndSignature() {
        NoteSigner peter = NoteSigner.parse(PETER_SIGNER);

        assertThat(peter.name()).isEqualTo("PeterNeumann");
        assertThat(peter.keyId()).isEqualTo(0xc74f20a3);
        assertThat(peter.verifier().encoded()).isEqualTo(PETER_VERIFIER);
        assertThat(peter.encoded()).isEqualTo(PETER_SIGNER);
        assertThat(Note.sign(TEXT, peter)).isEqualTo(TEXT + "\n" + PETER_SIGNATURE);
    }

    @Test
    void aNoteOpensWithTheSignaturesOfTrustedKeysOnly() throws Exception {
        NoteVerifier peter = NoteVerifier.parse(PETER_VERIFIER);
        NoteVerifier enoch = NoteVerifier.parse(ENOCH_VERIFIER);
        String both = TEXT + "\n" + PETER_SIGNATURE + ENOCH_SIGNATURE;

        Note byPeter = Note.open(both, List.of(peter));
        Note byBoth = Note.open(both, List.of(peter, enoch));

        assertThat(byPeter.text()).isEqualTo(TEXT);
        assertThat(byPeter.signatures()).extracting(Note.Signature::keyName).containsExactly("PeterNeumann");
        assertThat(byBoth.signatures()).extracting(Note.Signature::keyName).containsExactly("PeterNeumann", "EnochRoot");
        assertThat(Note.parse(both).signatures()).hasSize(2);
    }

    @Test
    void aNoteWithoutATrustedSignatureIsRefused() {
        assertThatThrownBy(() -> Note.open(TEXT + "\n" + ENOCH_SIGNATURE, List.of(NoteVerifier.parse(PETER_VERIFIER))))
                .isInstanceOfSatisfying(Note.Refused.class,
                        refused -> assertThat(refused.refusal()).isEqualTo(Note.Refusal.UNKNOWN_KEY));
    }

    @Test
    void aTrustedKeysFailingSignatureRefusesTheWholeNote() {
        NoteVerifier peter = NoteVerifier.parse(PETER_VERIFIER);
        String corrupted = PETER_SIGNATURE.substring(0, 60) + "ABCD" + PETER_SIGNATURE.substring(60);
        String editedText = TEXT.replace("answer", "Answer");

        for (String note : List.of(TEXT + "\n" + corrupted, editedText + "\n" + PETER_SIGNATURE,
                TEXT + "\n" + ENOCH_SIGNATURE + corrupted)) {
            assertThatThrownBy(() -> Note.open(note, List.of(peter))).isInstanceOfSatisfying(Note.Refused.class,
                    refused -> assertThat(refused.refusal()).isEqualTo(Note.Refusal.BAD_SIGNATURE));
        }
    }

    @Test
    void malformedNotesAreRefusedAsMalformed() {
        List<String> malformed = List.of(
                TEXT,
                TEXT + "\n",
                TEXT + "\n" + PETER_SIGNATURE.substring(0, PETER_SIGNATURE.length() - 1),
                "\u0001" + TEXT + "\n" + PETER_SIGNATURE,
                TEXT + "\n" + "— Bad Name x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n",
                TEXT + "\n" + PETER_SIGNATURE + "Unexpected line.\n",
                TEXT + "\n" + PETER_SIGNATURE.repeat(1) + "— PeterNeumann AAAA\n");
        for (String note : malformed) {
            assertThatThrownBy(() -> Note.open(note, List.of(NoteVerifier.parse(PETER_VERIFIER))))
                    .as("%s", note).isInstanceOfSatisfying(Note.Refused.class,
                            refused -> assertThat(refused.refusal()).isEqualTo(Note.Refusal.MALFORMED));
        }
        assertThatThrownBy(() -> Note.parse(new byte[] {(byte) 0xff, '\n', '\n', 'x', '\n'}))
                .isInstanceOf(Note.Refused.class).hasMessageContaining("UTF-8");
    }

    @Test
    void everyManglingOfAKeyIsRefused() {
        for (String key : List.of(PETER_VERIFIER, PETER_SIGNER)) {
            byte[] bytes = key.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
            for (int index = 0; index < bytes.length; index++) {
                bytes[index]++;
                String mangled = new String(bytes, java.nio.charset.StandardCharsets.US_ASCII);
                assertThatThrownBy(() -> parseEither(mangled)).as("%s", mangled).isInstanceOf(IllegalArgumentException.class);
                bytes[index]--;
            }
            assertThatThrownBy(() -> parseEither(key.substring(0, key.length() - 1))).isInstanceOf(IllegalArgumentException.class);
        }
        // Go's examples: a key of the wrong length and an unknown algorithm, each with a matching key ID.
        assertThatThrownBy(() -> NoteVerifier.parse(
                "PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY==")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> NoteVerifier.parse(
                "PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW")).isInstanceOf(IllegalArgumentException.class);
    }

    private static Object parseEither(String key) {
        return key.startsWith("PRIVATE") ? NoteSigner.parse(key) : NoteVerifier.parse(key);
    }

    @Test
    void aGeneratedKeyRoundTripsAndSignsWhatItsVerifierAccepts() throws Exception {
        NoteSigner generated = NoteSigner.generate("vfleet.test/audit");
        NoteSigner reread = NoteSigner.parse(generated.encoded());
        NoteVerifier verifier = NoteVerifier.parse(generated.verifier().encoded());

        assertThat(reread.verifier()).isEqualTo(verifier);
        assertThat(Note.open(Note.sign("hi\n", reread), List.of(verifier)).text()).isEqualTo("hi\n");
        assertThat(generated.toString()).doesNotContain(generated.encoded().substring(12 + 18 + 9));
    }

    @Test
    void aSignatureCarriesItsKeysNameAndId() throws Exception {
        NoteSigner signer = NoteSigner.generate("vfleet.test/audit");

        Note.Signature signature = Note.parse(Note.sign("hi\n", signer)).signatures().getFirst();

        assertThat(signature.keyName()).isEqualTo("vfleet.test/audit");
        assertThat(signature.keyId()).isEqualTo(signer.keyId());
    }
}
