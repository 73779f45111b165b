package io.vfleet.tlog;

import java.util.List;
import java.util.regex.Pattern;

/**
 * A C2SP {@code tlog-checkpoint}: the note text {@code <origin>\n<tree size>\n<base64 root hash>\n}
 * that a log signs to commit to its tree at a size. Extension lines, which C2SP permits but does not
 * recommend, are never written, and are skipped when read: nothing here depends on them.
 */
public record Checkpoint(String origin, long size, Hash root) {

    private static final Pattern DECIMAL = Pattern.compile("0|[1-9][0-9]{0,18}");

    public Checkpoint {
        if (origin.isEmpty() || origin.chars().anyMatch(c -> c < 0x20)) {
            throw new IllegalArgumentException("a checkpoint's origin is one non-empty line");
        }
        if (size < 0) {
            throw new IllegalArgumentException("a tree size is not negative: " + size);
        }
    }

    /** The note text a log signs. */
    public String text() {
        return origin + "\n" + size + "\n" + root.base64() + "\n";
    }

    /** Reads a checkpoint body; {@link Note#open} has verified its signature. */
    public static Checkpoint parse(String text) {
        String[] lines = text.split("\n", -1);
        if (lines.length < 4 || !lines[lines.length - 1].isEmpty()) {
            throw new IllegalArgumentException("a checkpoint is three lines: origin, tree size, root hash");
        }
        for (int extension = 3; extension < lines.length - 1; extension++) {
            if (lines[extension].isEmpty()) {
                throw new IllegalArgumentException("a checkpoint's extension lines are not empty");
            }
        }
        if (!DECIMAL.matcher(lines[1]).matches()) {
            throw new IllegalArgumentException("a tree size is a decimal without leading zeros: " + lines[1]);
        }
        long size;
        try {
            size = Long.parseLong(lines[1]);
        } catch (NumberFormatException tooLarge) {
            throw new IllegalArgumentException("a tree size fits 63 bits: " + lines[1]);
        }
        return new Checkpoint(lines[0], size, Hash.fromBase64(lines[2]));
    }

    /** Signs this checkpoint: a signed note, as a log publishes it. */
    public String sign(NoteSigner signer) {
        return Note.sign(text(), signer);
    }

    /**
     * Opens a signed checkpoint: the signature of a trusted key, then the body.
     *
     * @throws Note.Refused when the note is malformed, its body is not a checkpoint, or no trusted key signed it
     */
    public static Signed open(String note, List<NoteVerifier> trusted) throws Note.Refused {
        Note opened = Note.open(note, trusted);
        try {
            return new Signed(parse(opened.text()), note, opened.signatures().getFirst());
        } catch (IllegalArgumentException notACheckpoint) {
            throw new Note.Refused(Note.Refusal.MALFORMED, "signed, but not a checkpoint: " + notACheckpoint.getMessage());
        }
    }

    /** A checkpoint with the note it came in and the trusted signature that vouches for it. */
    public record Signed(Checkpoint checkpoint, String note, Note.Signature signature) {

        /** The key that signed, as {@code <name>+<key ID>}. */
        public String keyName() {
            return signature.keyName() + "+" + String.format("%08x", signature.keyId());
        }
    }
}
