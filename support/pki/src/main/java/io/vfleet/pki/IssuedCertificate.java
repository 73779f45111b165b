package io.vfleet.pki;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;

/**
 * A key and the certificate the authority issued for it, with the authority's own certificate: what one
 * process needs for mutual TLS in the fleet.
 */
public record IssuedCertificate(PrivateKey privateKey, X509Certificate certificate, X509Certificate authority) {
    /** The certificate chain's file, as cert-manager names it in a Secret. */
    public static final String CERTIFICATE_FILE = "tls.crt";
    /** The private key's file (PKCS#8), readable by its owner only. */
    public static final String PRIVATE_KEY_FILE = "tls.key";
    /** The authorities a peer's certificate must chain to. */
    public static final String AUTHORITY_FILE = "ca.crt";

    /**
     * Writes {@value #CERTIFICATE_FILE}, {@value #PRIVATE_KEY_FILE} and {@value #AUTHORITY_FILE} into
     * {@code directory}, each replaced whole (written beside it, then moved over it), so that a process
     * reading them while they rotate sees one file's old or new content, never half of one.
     */
    public void writeTo(Path directory) {
        try {
            Files.createDirectories(directory);
            replace(directory.resolve(AUTHORITY_FILE), pem(authority), false);
            replace(directory.resolve(PRIVATE_KEY_FILE), pem(privateKey), true);
            replace(directory.resolve(CERTIFICATE_FILE), pem(certificate), false);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the TLS files in " + directory, e);
        }
    }

    static String pem(Object object) {
        StringWriter text = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(text)) {
            if (object instanceof PrivateKey key) {
                // PKCS#8 ("PRIVATE KEY"), which every reader takes; not OpenSSL's older per-algorithm forms.
                writer.writeObject(new JcaPKCS8Generator(key, null));
            } else {
                writer.writeObject(object);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return text.toString();
    }

    static void replace(Path file, String content, boolean secret) throws IOException {
        Path next = Files.createTempFile(file.getParent(), "." + file.getFileName(), ".next");
        try {
            if (secret) {
                Files.setPosixFilePermissions(next, PosixFilePermissions.fromString("rw-------"));
            }
            Files.writeString(next, content, StandardCharsets.US_ASCII);
            try {
                Files.move(next, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException unsupported) {
                Files.move(next, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(next);
        }
    }
}
