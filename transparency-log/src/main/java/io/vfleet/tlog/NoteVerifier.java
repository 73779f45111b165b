package io.vfleet.tlog;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Locale;

/**
 * A public key that checks note signatures: C2SP signed-note's Ed25519 (signature type 0x01), named
 * and identified by a key ID. Its text form is the verifier key of Go's {@code sumdb/note}:
 * {@code <name>+<key ID, 8 hex digits>+<base64(0x01 || 32-byte public key)>}.
 *
 * <p>The key ID is the first four bytes, big-endian, of
 * {@code SHA-256(name || 0x0A || 0x01 || public key)}, so a key is known by its name and ID together.
 */
public final class NoteVerifier {

    static final byte ED25519 = 0x01;
    static final int KEY_SIZE = 32;

    /** The DER prefix of an Ed25519 SubjectPublicKeyInfo (RFC 8410): the raw key follows it. */
    private static final byte[] X509_PREFIX = HexFormat.of().parseHex("302a300506032b6570032100");

    private final String name;
    private final int keyId;
    private final byte[] publicKey;
    private final PublicKey jdkKey;

    NoteVerifier(String name, byte[] publicKey) {
        requireValidName(name);
        if (publicKey.length != KEY_SIZE) {
            throw new IllegalArgumentException("an Ed25519 public key has " + KEY_SIZE + " bytes, not " + publicKey.length);
        }
        this.name = name;
        this.publicKey = publicKey.clone();
        this.keyId = keyId(name, publicKey);
        this.jdkKey = jdkPublicKey(publicKey);
    }

    /** Reads a verifier key; refuses a malformed one, another algorithm, or a key ID its key does not give. */
    public static NoteVerifier parse(String text) {
        String[] parts = text.strip().split("\\+", 3);
        if (parts.length != 3) {
            throw new IllegalArgumentException("a verifier key is <name>+<key ID>+<key>, not " + abbreviated(text));
        }
        byte[] encoded = decodeKey(parts[2]);
        NoteVerifier verifier = new NoteVerifier(parts[0], Arrays.copyOfRange(encoded, 1, encoded.length));
        if (!parts[1].equals(verifier.keyIdHex())) {
            throw new IllegalArgumentException("verifier key " + parts[0] + ": key ID " + parts[1]
                    + " is not the ID of its key, " + verifier.keyIdHex());
        }
        return verifier;
    }

    /** {@code 0x01 || 32 bytes}, base64: an Ed25519 key as key strings carry it. */
    static byte[] decodeKey(String base64) {
        byte[] encoded;
        try {
            encoded = Base64.getDecoder().decode(base64);
        } catch (IllegalArgumentException notBase64) {
            throw new IllegalArgumentException("the key is not base64");
        }
        if (encoded.length != 1 + KEY_SIZE || encoded[0] != ED25519) {
            throw new IllegalArgumentException("the key is not 0x01 (Ed25519) and " + KEY_SIZE + " bytes");
        }
        return encoded;
    }

    public String name() {
        return name;
    }

    public int keyId() {
        return keyId;
    }

    public String keyIdHex() {
        return HexFormat.of().toHexDigits(keyId).toLowerCase(Locale.ROOT);
    }

    public byte[] publicKey() {
        return publicKey.clone();
    }

    /** The text form, {@code <name>+<key ID>+<base64 key>}. */
    public String encoded() {
        byte[] key = new byte[1 + KEY_SIZE];
        key[0] = ED25519;
        System.arraycopy(publicKey, 0, key, 1, KEY_SIZE);
        return name + "+" + keyIdHex() + "+" + Base64.getEncoder().encodeToString(key);
    }

    public boolean verify(byte[] message, byte[] signature) {
        try {
            Signature ed25519 = Signature.getInstance("Ed25519");
            ed25519.initVerify(jdkKey);
            ed25519.update(message);
            return ed25519.verify(signature);
        } catch (GeneralSecurityException malformed) {
            return false;
        }
    }

    static int keyId(String name, byte[] publicKey) {
        byte[] digest = Hash.sha256(name.getBytes(StandardCharsets.UTF_8), new byte[] {'\n', ED25519}, publicKey).bytes();
        return ByteBuffer.wrap(digest, 0, 4).getInt();
    }

    /** C2SP signed-note: non-empty, no Unicode space, no plus. */
    static boolean isValidName(String name) {
        return !name.isEmpty() && name.codePoints().noneMatch(c -> c == '+' || Character.isWhitespace(c)
                || Character.isSpaceChar(c) || Character.isISOControl(c));
    }

    static void requireValidName(String name) {
        if (!isValidName(name)) {
            throw new IllegalArgumentException("a key name is non-empty, without spaces or '+': " + abbreviated(name));
        }
    }

    private static PublicKey jdkPublicKey(byte[] raw) {
        byte[] der = new byte[X509_PREFIX.length + KEY_SIZE];
        System.arraycopy(X509_PREFIX, 0, der, 0, X509_PREFIX.length);
        System.arraycopy(raw, 0, der, X509_PREFIX.length, KEY_SIZE);
        try {
            return KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(der));
        } catch (GeneralSecurityException notAKey) {
            throw new IllegalArgumentException("not an Ed25519 public key", notAKey);
        }
    }

    /** Raw public key bytes of a JDK Ed25519 key: the last 32 bytes of its X.509 encoding. */
    static byte[] raw(PublicKey key) {
        byte[] der = key.getEncoded();
        if (der.length != X509_PREFIX.length + KEY_SIZE
                || !Arrays.equals(der, 0, X509_PREFIX.length, X509_PREFIX, 0, X509_PREFIX.length)) {
            throw new IllegalArgumentException("not an Ed25519 public key");
        }
        return Arrays.copyOfRange(der, X509_PREFIX.length, der.length);
    }

    /** Key strings may be secrets' neighbours in a file: errors quote only their start. */
    static String abbreviated(String text) {
        return text.length() <= 24 ? "'" + text + "'" : "'" + text.substring(0, 24) + "…'";
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof NoteVerifier verifier && name.equals(verifier.name)
                && Arrays.equals(publicKey, verifier.publicKey);
    }

    @Override
    public int hashCode() {
        return name.hashCode() * 31 + Arrays.hashCode(publicKey);
    }

    @Override
    public String toString() {
        return name + "+" + keyIdHex();
    }
}
