package io.vfleet.tlog;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;

/** A SHA-256 value: a leaf, a node or a root of a Merkle tree. Immutable; compared by content. */
public final class Hash {

    /** Bytes in a SHA-256 value. */
    public static final int SIZE = 32;

    private final byte[] bytes;

    private Hash(byte[] bytes) {
        this.bytes = bytes;
    }

    public static Hash of(byte[] bytes) {
        if (bytes.length != SIZE) {
            throw new IllegalArgumentException("a SHA-256 hash has " + SIZE + " bytes, not " + bytes.length);
        }
        return new Hash(bytes.clone());
    }

    /** The hash as standard base64, the form checkpoints and proofs carry; refuses anything else. */
    public static Hash fromBase64(String text) {
        byte[] decoded;
        try {
            decoded = Base64.getDecoder().decode(text);
        } catch (IllegalArgumentException notBase64) {
            throw new IllegalArgumentException("not base64: " + text, notBase64);
        }
        if (decoded.length != SIZE || !Base64.getEncoder().encodeToString(decoded).equals(text)) {
            throw new IllegalArgumentException("not the base64 of a " + SIZE + "-byte hash: " + text);
        }
        return new Hash(decoded);
    }

    public static Hash sha256(byte[]... parts) {
        MessageDigest digest = digest();
        for (byte[] part : parts) {
            digest.update(part);
        }
        return new Hash(digest.digest());
    }

    static MessageDigest digest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException missing) {
            throw new AssertionError("every JDK provides SHA-256", missing);
        }
    }

    public byte[] bytes() {
        return bytes.clone();
    }

    /** Feeds the hash to a digest without copying it. */
    void updateInto(MessageDigest digest) {
        digest.update(bytes);
    }

    public String base64() {
        return Base64.getEncoder().encodeToString(bytes);
    }

    public String hex() {
        return HexFormat.of().formatHex(bytes);
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof Hash hash && MessageDigest.isEqual(bytes, hash.bytes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bytes);
    }

    @Override
    public String toString() {
        return base64();
    }
}
