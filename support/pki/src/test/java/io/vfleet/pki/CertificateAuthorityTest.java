package io.vfleet.pki;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.Signature;
import java.security.cert.CertPathValidator;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CertificateAuthorityTest {
    private static final CertificateAuthority AUTHORITY = CertificateAuthority.create("test fleet", Validity.startingNow(Duration.ofDays(1)));

    @TempDir
    Path directory;

    @Test
    void anIssuedCertificateChainsToTheAuthorityAndNamesItsIdentities() throws Exception {
        IssuedCertificate issued = AUTHORITY.issue(CertificateRequest.of("agent gpu-01").withUri("spiffe://vfleet/node/gpu-01")
                .onLoopback(), Validity.startingNow(Duration.ofHours(1)));

        validate(issued.certificate(), AUTHORITY.certificate());
        assertThat(issued.certificate().getSubjectAlternativeNames()).containsExactlyInAnyOrder(
                List.of(6, "spiffe://vfleet/node/gpu-01"), List.of(2, "localhost"), List.of(7, "127.0.0.1"), List.of(7, "0:0:0:0:0:0:0:1"));
        assertThat(issued.certificate().getExtendedKeyUsage()).containsExactlyInAnyOrder("1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2");
        assertThat(issued.certificate().getBasicConstraints()).isEqualTo(-1);
        assertThat(AUTHORITY.certificate().getBasicConstraints()).isZero();
    }

    @Test
    void anotherAuthoritysCertificateDoesNotChainToThisOne() {
        CertificateAuthority other = CertificateAuthority.create("another fleet", Validity.startingNow(Duration.ofDays(1)));
        IssuedCertificate foreign = other.issue(CertificateRequest.of("intruder"), Validity.startingNow(Duration.ofHours(1)));

        assertThatThrownBy(() -> validate(foreign.certificate(), AUTHORITY.certificate())).isInstanceOf(CertPathValidatorException.class);
    }

    @Test
    void theWrittenFilesAreWhatAProcessReadsAndTheKeysAreTheOwnersAlone() throws Exception {
        IssuedCertificate issued = AUTHORITY.issue(CertificateRequest.of("controller").withUri("spiffe://vfleet/controller"),
                Validity.startingNow(Duration.ofHours(1)));
        issued.writeTo(directory.resolve("tls"));
        AUTHORITY.writeTo(directory.resolve("ca"));

        X509Certificate written = read(directory.resolve("tls").resolve(IssuedCertificate.CERTIFICATE_FILE));
        assertThat(written).isEqualTo(issued.certificate());
        assertThat(read(directory.resolve("tls").resolve(IssuedCertificate.AUTHORITY_FILE))).isEqualTo(AUTHORITY.certificate());
        assertThat(Files.readString(directory.resolve("tls").resolve(IssuedCertificate.PRIVATE_KEY_FILE))).startsWith("-----BEGIN PRIVATE KEY-----");
        assertThat(Files.getPosixFilePermissions(directory.resolve("tls").resolve(IssuedCertificate.PRIVATE_KEY_FILE)))
                .isEqualTo(PosixFilePermissions.fromString("rw-------"));
        assertThat(Files.getPosixFilePermissions(directory.resolve("ca").resolve(CertificateAuthority.PRIVATE_KEY_FILE)))
                .isEqualTo(PosixFilePermissions.fromString("rw-------"));
        try (var files = Files.list(directory.resolve("tls"))) {
            assertThat(files.map(file -> file.getFileName().toString())).containsExactlyInAnyOrder("tls.crt", "tls.key", "ca.crt");
        }
    }

    @Test
    void anAuthorityReadBackIssuesCertificatesThatChainToTheOriginal() throws Exception {
        AUTHORITY.writeTo(directory);
        CertificateAuthority again = CertificateAuthority.readFrom(directory);

        IssuedCertificate issued = again.issue(CertificateRequest.of("inventory"), Validity.startingNow(Duration.ofHours(1)));

        assertThat(again.certificate()).isEqualTo(AUTHORITY.certificate());
        validate(issued.certificate(), AUTHORITY.certificate());
        Signature signature = Signature.getInstance("SHA256withECDSA");
        signature.initSign(issued.privateKey());
        signature.update(new byte[] {1, 2, 3});
        byte[] signed = signature.sign();
        signature.initVerify(issued.certificate().getPublicKey());
        signature.update(new byte[] {1, 2, 3});
        assertThat(signature.verify(signed)).isTrue();
    }

    @Test
    void anAddressThatIsNoIpAddressIsRefusedByName() {
        assertThatThrownBy(() -> AUTHORITY.issue(CertificateRequest.of("x").withIpAddress("not an address!"),
                Validity.startingNow(Duration.ofHours(1)))).hasMessageContaining("'not an address!' is not an IP address");
    }

    private static void validate(X509Certificate leaf, X509Certificate root) throws Exception {
        CertificateFactory factory = CertificateFactory.getInstance("X.509");
        PKIXParameters parameters = new PKIXParameters(Set.of(new TrustAnchor(root, null)));
        parameters.setRevocationEnabled(false);
        CertPathValidator.getInstance("PKIX").validate(factory.generateCertPath(List.of(leaf)), parameters);
    }

    private static X509Certificate read(Path file) throws Exception {
        try (InputStream in = Files.newInputStream(file)) {
            return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
        }
    }
}
