package io.vfleet.security.tls;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.util.HexFormat;
import java.util.List;
import org.springframework.boot.ssl.pem.PemContent;

/**
 * One reading of a process's {@link TlsFiles}, checked to belong together: the private key is the one
 * the certificate certifies, and there is at least one authority. {@code generation} tells readings apart.
 */
record TlsMaterial(PrivateKey key, List<X509Certificate> chain, List<X509Certificate> authorities, String digest,
        long generation) {

    X509Certificate certificate() {
        return chain.getFirst();
    }

    String alias() {
        return "vfleet-" + generation;
    }

    /** The files' content digest, to notice a change without parsing. */
    static String digest(TlsFiles files) throws IOException {
        MessageDigest digest = sha256();
        for (Path file : List.of(files.certificate(), files.privateKey(), files.authorities())) {
            digest.update(read(file));
            digest.update((byte) 0);
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    /**
     * Reads and checks the files; {@link InvalidTlsFiles} names the file at fault and why, never the
     * key's content.
     */
    static TlsMaterial read(TlsFiles files, long generation) throws IOException {
        String digest = digest(files);
        List<X509Certificate> chain = certificates(files.certificate());
        List<X509Certificate> authorities = certificates(files.authorities());
        PrivateKey key;
        try {
            key = PemContent.load(files.privateKey()).getPrivateKey();
        } catch (IllegalStateException unreadable) {
            throw new InvalidTlsFiles(files.privateKey() + ": not a PEM private key (" + unreadable.getMessage() + ")");
        }
        if (key == null) {
            throw new InvalidTlsFiles(files.privateKey() + ": holds no PEM private key");
        }
        if (!matches(key, chain.getFirst().getPublicKey())) {
            throw new InvalidTlsFiles(files.privateKey() + " is not the key of the certificate in " + files.certificate()
                    + " (a rotation half done, or files of two identities)");
        }
        return new TlsMaterial(key, List.copyOf(chain), List.copyOf(authorities), digest, generation);
    }

    private static List<X509Certificate> certificates(Path file) throws IOException {
        List<X509Certificate> certificates;
        try {
            certificates = PemContent.load(file).getCertificates();
        } catch (IllegalStateException unreadable) {
            throw new InvalidTlsFiles(file + ": not PEM certificates (" + unreadable.getMessage() + ")");
        }
        if (certificates == null || certificates.isEmpty()) {
            throw new InvalidTlsFiles(file + ": holds no PEM certificate");
        }
        return certificates;
    }

    /** Whether {@code key} signs what {@code certified} verifies: the pair belongs together. */
    private static boolean matches(PrivateKey key, PublicKey certified) {
        String algorithm = switch (key.getAlgorithm()) {
            case "EC" -> "SHA256withECDSA";
            case "RSA" -> "SHA256withRSA";
            case "Ed25519", "EdDSA" -> "Ed25519";
            default -> null;
        };
        if (algorithm == null) {
            return false;
        }
        try {
            byte[] probe = "vfleet key pair check".getBytes(StandardCharsets.US_ASCII);
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(probe);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(certified);
            verifier.update(probe);
            return verifier.verify(signature);
        } catch (GeneralSecurityException mismatch) {
            return false;
        }
    }

    private static byte[] read(Path file) throws IOException {
        try {
            return Files.readAllBytes(file);
        } catch (NoSuchFileException missing) {
            throw new InvalidTlsFiles(file + ": no such file");
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (GeneralSecurityException absent) {
            throw new AssertionError("every JDK has SHA-256", absent);
        }
    }

    /** The files cannot make an identity; the message names the file and the reason. */
    static final class InvalidTlsFiles extends IOException {
        InvalidTlsFiles(String message) {
            super(message);
        }
    }
}
