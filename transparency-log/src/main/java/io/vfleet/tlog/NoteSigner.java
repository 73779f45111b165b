package io.vfleet.tlog;

import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.interfaces.EdECPrivateKey;
import java.security.spec.EdECPrivateKeySpec;
import java.security.spec.NamedParameterSpec;
import java.util.Arrays;
import java.util.Base64;

/**
 * A private key that signs notes: Ed25519 (RFC 8032) from a 32-byte seed, named as its
 * {@link NoteVerifier}. Its text form is the signer key of Go's {@code sumdb/note}:
 * {@code PRIVATE+KEY+<name>+<key ID>+<base64(0x01 || 32-byte seed)>}, one line in a key file.
 *
 * <p>{@link #toString()} never shows the seed.
 */
public final class NoteSigner {

    private static final String PREFIX = "PRIVATE+KEY+";

    private final byte[] seed;
    private final PrivateKey jdkKey;
    private final NoteVerifier verifier;

    private NoteSigner(String name, byte[] seed) {
        NoteVerifier.requireValidName(name);
        this.seed = seed.clone();
        try {
            this.jdkKey = KeyFactory.getInstance("Ed25519")
                    .generatePrivate(new EdECPrivateKeySpec(NamedParameterSpec.ED25519, seed));
        } catch (GeneralSecurityException notAKey) {
            throw new IllegalArgumentException("not an Ed25519 seed", notAKey);
        }
        this.verifier = new NoteVerifier(name, publicKeyOf(seed));
    }

    /** A new key pair from the platform's strong random source. */
    public static NoteSigner generate(String name) {
        try {
            KeyPair pair = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
            byte[] seed = ((EdECPrivateKey) pair.getPrivate()).getBytes()
                    .orElseThrow(() -> new AssertionError("the JDK's Ed25519 keys expose their seed"));
            return new NoteSigner(name, seed);
        } catch (GeneralSecurityException missing) {
            throw new AssertionError("every JDK since 15 provides Ed25519", missing);
        }
    }

    /** Reads a signer key; refuses a malformed one, another algorithm, or a key ID its key does not give. */
    public static NoteSigner parse(String text) {
        String stripped = text.strip();
        if (!stripped.startsWith(PREFIX)) {
            throw new IllegalArgumentException("a signer key starts with " + PREFIX);
        }
        String[] parts = stripped.substring(PREFIX.length()).split("\\+", 3);
        if (parts.length != 3) {
            throw new IllegalArgumentException("a signer key is " + PREFIX + "<name>+<key ID>+<key>");
        }
        byte[] encoded = NoteVerifier.decodeKey(parts[2]);
        NoteSigner signer = new NoteSigner(parts[0], Arrays.copyOfRange(encoded, 1, encoded.length));
        if (!parts[1].equals(signer.verifier.keyIdHex())) {
            throw new IllegalArgumentException("signer key " + parts[0] + ": key ID " + parts[1]
                    + " is not the ID of its key, " + signer.verifier.keyIdHex());
        }
        return signer;
    }

    public String name() {
        return verifier.name();
    }

    public int keyId() {
        return verifier.keyId();
    }

    public NoteVerifier verifier() {
        return verifier;
    }

    /** The text form, a secret: {@code PRIVATE+KEY+<name>+<key ID>+<base64 seed>}. */
    public String encoded() {
        byte[] key = new byte[1 + NoteVerifier.KEY_SIZE];
        key[0] = NoteVerifier.ED25519;
        System.arraycopy(seed, 0, key, 1, NoteVerifier.KEY_SIZE);
        return PREFIX + name() + "+" + verifier.keyIdHex() + "+" + Base64.getEncoder().encodeToString(key);
    }

    public byte[] sign(byte[] message) {
        try {
            Signature ed25519 = Signature.getInstance("Ed25519");
            ed25519.initSign(jdkKey);
            ed25519.update(message);
            return ed25519.sign();
        } catch (GeneralSecurityException failed) {
            throw new IllegalStateException("Ed25519 signing failed", failed);
        }
    }

    /**
     * The public key of a seed. The JDK derives it only while generating a pair, from the 32 random
     * bytes it draws as the seed, so the generator is handed a source that draws exactly this seed;
     * the pair's private key is checked to be that seed.
     */
    private static byte[] publicKeyOf(byte[] seed) {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("Ed25519");
            generator.initialize(NamedParameterSpec.ED25519, new SeedSource(seed));
            KeyPair pair = generator.generateKeyPair();
            byte[] drawn = ((EdECPrivateKey) pair.getPrivate()).getBytes().orElseThrow();
            if (!Arrays.equals(drawn, seed)) {
                throw new AssertionError("the JDK's Ed25519 generator did not take its seed from the random source");
            }
            return NoteVerifier.raw(pair.getPublic());
        } catch (GeneralSecurityException missing) {
            throw new AssertionError("every JDK since 15 provides Ed25519", missing);
        }
    }

    /** A random source that yields one given seed, once. */
    private static final class SeedSource extends SecureRandom {
        private final byte[] seed;
        private boolean drawn;

        SeedSource(byte[] seed) {
            this.seed = seed.clone();
        }

        @Override
        public void nextBytes(byte[] bytes) {
            if (drawn || bytes.length != seed.length) {
                throw new IllegalStateException("the seed source yields one seed of " + seed.length + " bytes");
            }
            System.arraycopy(seed, 0, bytes, 0, seed.length);
            drawn = true;
        }
    }

    @Override
    public String toString() {
        return "NoteSigner[" + verifier + "]";
    }
}
