package io.vfleet.stack;

import io.vfleet.pki.CertificateAuthority;
import io.vfleet.pki.CertificateRequest;
import io.vfleet.pki.IssuedCertificate;
import io.vfleet.pki.Validity;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;

/**
 * The local stack's mutual TLS: a throwaway certificate authority of its own in {@code <state>/tls/ca}
 * (kept across starts, so that a client trusting its {@code ca.crt} keeps working), and at every start a
 * fresh certificate per process in {@code <state>/tls/<process>/} as {@code tls.crt}, {@code tls.key}
 * and {@code ca.crt}, the files each application reads from {@code vfleet.tls.directory}. Each
 * certificate names the process's fleet identity (a SPIFFE URI, as service-security's
 * {@code CertificateIdentity} reads it) and the loopback addresses it is reached at.
 */
final class StackCertificates {
    static final String INVENTORY_IDENTITY = "spiffe://vfleet/service/inventory";
    static final String CONTROLLER_IDENTITY = "spiffe://vfleet/controller";
    /** The launcher's own health probes: an identity that is no caller anywhere (services name servers only). */
    static final String LAUNCHER_IDENTITY = "spiffe://vfleet/service/launcher";
    static final String LAUNCHER = "launcher";

    private static final Duration AUTHORITY_VALIDITY = Duration.ofDays(365);
    private static final Duration CERTIFICATE_VALIDITY = Duration.ofDays(30);
    /** An authority closer than this to its end is replaced: every certificate it issues must outlive the stack. */
    private static final Duration AUTHORITY_MARGIN = Duration.ofDays(31);

    private final Path root;

    private StackCertificates(Path root) {
        this.root = root;
    }

    /** The stack's authority under {@code root}, made on the first start. */
    static StackCertificates in(Path root) {
        StackCertificates certificates = new StackCertificates(root);
        certificates.authority();
        return certificates;
    }

    static String nodeIdentity(String node) {
        return "spiffe://vfleet/node/" + node;
    }

    /** The authority's certificate, which a client outside the stack trusts ({@code curl --cacert}, grpcurl). */
    Path authorityCertificate() {
        return root.resolve("ca").resolve(CertificateAuthority.CERTIFICATE_FILE);
    }

    /** The TLS directory of {@code process} (its child process's name), where {@link #issue} wrote its files. */
    Path directoryOf(String process) {
        return root.resolve(process);
    }

    /** Writes {@code process}'s files naming {@code identity}; returns their directory. */
    Path issue(String process, String identity) {
        IssuedCertificate issued = authority().issue(CertificateRequest.of(process).withUri(identity).onLoopback(),
                Validity.startingNow(CERTIFICATE_VALIDITY));
        Path directory = directoryOf(process);
        issued.writeTo(directory);
        return directory;
    }

    private CertificateAuthority authority() {
        Path directory = root.resolve("ca");
        if (Files.exists(directory.resolve(CertificateAuthority.CERTIFICATE_FILE))) {
            try {
                CertificateAuthority kept = CertificateAuthority.readFrom(directory);
                if (kept.certificate().getNotAfter().toInstant().isAfter(Instant.now().plus(AUTHORITY_MARGIN))) {
                    return kept;
                }
            } catch (IOException unreadable) {
                throw new StackException("cannot read the stack's certificate authority in " + directory
                        + " (delete the directory to make a new one): " + unreadable.getMessage(), unreadable);
            }
        }
        CertificateAuthority made = CertificateAuthority.create("vfleet local stack " + Instant.now(),
                Validity.startingNow(AUTHORITY_VALIDITY));
        made.writeTo(directory);
        return made;
    }
}
