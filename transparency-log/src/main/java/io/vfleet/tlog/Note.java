package io.vfleet.tlog;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * A C2SP signed note: a text ending in a newline, a blank line, then one signature line per key,
 * {@code — <key name> base64(4-byte key ID || signature)}. The signatures sign the text, its final
 * newline included.
 *
 * <p>{@link #open} is how a note is read: a note counts only once a trusted key's signature on it
 * verifies; a failing signature from a trusted key rejects the whole note, signatures from unknown
 * keys are ignored (they may be a rotated key's, or a witness's cosignature).
 */
public record Note(String text, List<Signature> signatures) {

    /** Signature lines accepted in one note; C2SP asks for at least 16. */
    static final int MAX_SIGNATURES = 100;

    /** Notes read from the network are small; anything longer is refused before it is parsed. */
    public static final int MAX_BYTES = 1 << 16;

    private static final String SIGNATURE_PREFIX = "— ";

    /** One signature line: who signed (by name and key ID) and the signature bytes. */
    // equals and hashCode are this record's own, comparing the signature line, bytes included.
    @SuppressWarnings("ArrayRecordComponent")
    public record Signature(String keyName, int keyId, byte[] signature) {

        String line() {
            byte[] encoded = ByteBuffer.allocate(4 + signature.length).putInt(keyId).put(signature).array();
            return SIGNATURE_PREFIX + keyName + " " + Base64.getEncoder().encodeToString(encoded) + "\n";
        }

        @Override
        public boolean equals(Object other) {
            return other instanceof Signature that && line().equals(that.line());
        }

        @Override
        public int hashCode() {
            return line().hashCode();
        }
    }

    /** Why a note is not accepted. */
    public enum Refusal {
        /** Not a signed note at all: no blank line, a control character, a bad signature line. */
        MALFORMED,
        /** No signature from any trusted key. */
        UNKNOWN_KEY,
        /** A trusted key's signature does not verify: the text or the signature was changed. */
        BAD_SIGNATURE
    }

    /** A note that is not accepted, and why. */
    public static final class Refused extends Exception {
        private final Refusal refusal;

        Refused(Refusal refusal, String message) {
            super(message);
            this.refusal = refusal;
        }

        public Refusal refusal() {
            return refusal;
        }
    }

    public Note {
        signatures = List.copyOf(signatures);
    }

    /** Signs a text with each signer, in order. */
    public static String sign(String text, NoteSigner... signers) {
        if (!isValidText(text)) {
            throw new IllegalArgumentException("a note's text is UTF-8 without control characters and ends in a newline");
        }
        byte[] message = text.getBytes(StandardCharsets.UTF_8);
        List<Signature> signatures = new ArrayList<>();
        for (NoteSigner signer : signers) {
            signatures.add(new Signature(signer.name(), signer.keyId(), signer.sign(message)));
        }
        return new Note(text, signatures).format();
    }

    public String format() {
        StringBuilder note = new StringBuilder(text).append('\n');
        signatures.forEach(signature -> note.append(signature.line()));
        return note.toString();
    }

    /**
     * Reads a note without trusting it: the text and every signature line, identical lines once.
     *
     * @throws Refused ({@link Refusal#MALFORMED}) when it is not a signed note
     */
    public static Note parse(byte[] message) throws Refused {
        if (message.length > MAX_BYTES) {
            throw new Refused(Refusal.MALFORMED, "a note is at most " + MAX_BYTES + " bytes, this one has " + message.length);
        }
        String decoded;
        try {
            decoded = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(message)).toString();
        } catch (CharacterCodingException notUtf8) {
            throw new Refused(Refusal.MALFORMED, "a note is UTF-8");
        }
        if (decoded.chars().anyMatch(c -> c < 0x20 && c != '\n')) {
            throw new Refused(Refusal.MALFORMED, "a note has no control characters but newlines");
        }
        if (!decoded.endsWith("\n")) {
            throw new Refused(Refusal.MALFORMED, "a note ends with a newline");
        }
        int blank = decoded.lastIndexOf("\n\n");
        if (blank < 0) {
            throw new Refused(Refusal.MALFORMED, "a note has a blank line between its text and its signatures");
        }
        String text = decoded.substring(0, blank + 1);
        String[] lines = decoded.substring(blank + 2).split("\n", -1);
        Set<Signature> signatures = new LinkedHashSet<>();
        // The split leaves one empty string after the final newline.
        for (int index = 0; index < lines.length - 1; index++) {
            signatures.add(signatureLine(lines[index]));
        }
        if (signatures.isEmpty()) {
            throw new Refused(Refusal.MALFORMED, "a note has at least one signature line");
        }
        if (signatures.size() > MAX_SIGNATURES) {
            throw new Refused(Refusal.MALFORMED, "a note has at most " + MAX_SIGNATURES + " signatures");
        }
        return new Note(text, List.copyOf(signatures));
    }

    public static Note parse(String message) throws Refused {
        return parse(message.getBytes(StandardCharsets.UTF_8));
    }

    private static Signature signatureLine(String line) throws Refused {
        if (!line.startsWith(SIGNATURE_PREFIX)) {
            throw new Refused(Refusal.MALFORMED, "a signature line starts with an em dash and a space");
        }
        String rest = line.substring(SIGNATURE_PREFIX.length());
        int space = rest.indexOf(' ');
        if (space < 0 || !NoteVerifier.isValidName(rest.substring(0, space))) {
            throw new Refused(Refusal.MALFORMED, "a signature line is '— <key name> <base64 signature>'");
        }
        byte[] decoded;
        try {
            decoded = Base64.getDecoder().decode(rest.substring(space + 1));
        } catch (IllegalArgumentException notBase64) {
            throw new Refused(Refusal.MALFORMED, "a signature is base64");
        }
        if (decoded.length < 5) {
            throw new Refused(Refusal.MALFORMED, "a signature is a 4-byte key ID and at least one byte");
        }
        int keyId = ByteBuffer.wrap(decoded, 0, 4).getInt();
        byte[] signature = new byte[decoded.length - 4];
        System.arraycopy(decoded, 4, signature, 0, signature.length);
        return new Signature(rest.substring(0, space), keyId, signature);
    }

    /**
     * Reads a note and accepts it only with a verified signature of a trusted key.
     *
     * @return the note with only its verified signatures
     * @throws Refused when malformed, signed by no trusted key, or badly signed by one
     */
    public static Note open(byte[] message, List<NoteVerifier> trusted) throws Refused {
        Note note = parse(message);
        byte[] text = note.text().getBytes(StandardCharsets.UTF_8);
        List<Signature> verified = new ArrayList<>();
        for (Signature signature : note.signatures()) {
            for (NoteVerifier verifier : trusted) {
                if (verifier.name().equals(signature.keyName()) && verifier.keyId() == signature.keyId()) {
                    if (!verifier.verify(text, signature.signature())) {
                        throw new Refused(Refusal.BAD_SIGNATURE, "the signature of key " + verifier
                                + " does not verify: the note was changed after it was signed, or forged");
                    }
                    verified.add(signature);
                }
            }
        }
        if (verified.isEmpty()) {
            throw new Refused(Refusal.UNKNOWN_KEY, "no signature of a trusted key (" + trusted
                    + "); signed by " + note.signatures().stream().map(s -> s.keyName() + "+" + hex(s.keyId())).toList());
        }
        return new Note(note.text(), verified);
    }

    public static Note open(String message, List<NoteVerifier> trusted) throws Refused {
        return open(message.getBytes(StandardCharsets.UTF_8), trusted);
    }

    private static String hex(int keyId) {
        return String.format("%08x", keyId);
    }

    static boolean isValidText(String text) {
        return !text.isEmpty() && text.endsWith("\n") && text.chars().noneMatch(c -> c < 0x20 && c != '\n');
    }
}
