package io.vfleet.testsupport.pki;

import io.vfleet.pki.CertificateAuthority;
import io.vfleet.pki.CertificateRequest;
import io.vfleet.pki.IssuedCertificate;
import io.vfleet.pki.Validity;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A fleet's certificate authority for one test, and the TLS files of each process it plays: a directory
 * with {@code tls.crt}, {@code tls.key} and {@code ca.crt}, which is what {@code vfleet.tls.directory}
 * takes. Every certificate is also valid for the loopback addresses, so that clients checking host
 * names can reach the servers tests start.
 */
public final class TestPki {
    private final CertificateAuthority authority;

    private TestPki(CertificateAuthority authority) {
        this.authority = authority;
    }

    /** A fresh authority, valid for a day. */
    public static TestPki create() {
        return new TestPki(CertificateAuthority.create("vfleet test fleet", Validity.startingNow(Duration.ofDays(1))));
    }

    public CertificateAuthority authority() {
        return authority;
    }

    /** Writes the TLS files of a process whose certificate names {@code uri} into {@code directory}. */
    public Path issue(Path directory, String uri) {
        return issue(directory, uri, Validity.startingNow(Duration.ofHours(12)));
    }

    /** As {@link #issue(Path, String)}, valid for {@code validity} (an expired one with {@link Validity#endedAgo}). */
    public Path issue(Path directory, String uri, Validity validity) {
        IssuedCertificate issued = authority.issue(CertificateRequest.of(commonName(uri)).withUri(uri).onLoopback(), validity);
        issued.writeTo(directory);
        return directory;
    }

    /**
     * Writes files naming {@code uri} but issued by another authority, with this fleet's authority as the one
     * trusted: a certificate from another CA.
     */
    public Path issueFromAnotherAuthority(Path directory, String uri) {
        CertificateAuthority other = CertificateAuthority.create("another fleet", Validity.startingNow(Duration.ofDays(1)));
        IssuedCertificate foreign = other.issue(CertificateRequest.of(commonName(uri)).withUri(uri).onLoopback(),
                Validity.startingNow(Duration.ofHours(12)));
        new IssuedCertificate(foreign.privateKey(), foreign.certificate(), authority.certificate()).writeTo(directory);
        return directory;
    }

    private static String commonName(String uri) {
        return uri.substring(uri.lastIndexOf('/') + 1);
    }
}
