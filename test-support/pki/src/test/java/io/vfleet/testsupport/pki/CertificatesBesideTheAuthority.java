package io.vfleet.testsupport.pki;

import org.bouncycastle.cert.X509v3CertificateBuilder;

/** A deliberate violation for DependencyWhitelistTest: test certificates built without the authority. */
final class CertificatesBesideTheAuthority {
    private CertificatesBesideTheAuthority() {}

    static String names() {
        return X509v3CertificateBuilder.class.getName();
    }
}
