package io.vfleet.pki;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.DEROctetString;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A certificate authority of the fleet's own: a self-signed root that issues each process a certificate
 * naming its fleet identity. The local stack makes one in its state directory at its first start, and the
 * tests make theirs; a production fleet has cert-manager's (deploy/k8s) instead.
 *
 * <p>Keys are ECDSA on P-256: a handshake signs and verifies in microseconds, and the certificates are small.
 * A root can issue only end-entity certificates (path length 0), and those serve both ends of mutual TLS.
 */
public final class CertificateAuthority {
    /** The authority's certificate file in the directory it is written to. */
    public static final String CERTIFICATE_FILE = "ca.crt";
    /** The authority's private key file, readable by its owner only. */
    public static final String PRIVATE_KEY_FILE = "ca.key";

    private static final String SIGNATURE = "SHA256withECDSA";
    private static final SecureRandom RANDOM = new SecureRandom();

    private final KeyPair keys;
    private final X509Certificate certificate;

    private CertificateAuthority(KeyPair keys, X509Certificate certificate) {
        this.keys = keys;
        this.certificate = certificate;
    }

    /** A new root named {@code name}, valid for {@code validity}. */
    public static CertificateAuthority create(String name, Validity validity) {
        KeyPair keys = newKeyPair();
        X500Name subject = name(name);
        try {
            JcaX509ExtensionUtils extensions = new JcaX509ExtensionUtils();
            X509v3CertificateBuilder builder = builder(subject, subject, validity, keys.getPublic())
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(0))
                    .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign))
                    .addExtension(Extension.subjectKeyIdentifier, false, extensions.createSubjectKeyIdentifier(keys.getPublic()));
            return new CertificateAuthority(keys, sign(builder, keys.getPrivate()));
        } catch (GeneralSecurityException | CertIOException e) {
            throw new IllegalStateException("cannot make the certificate authority " + name, e);
        }
    }

    /** The authority written to {@code directory} by {@link #writeTo}. */
    public static CertificateAuthority readFrom(Path directory) throws IOException {
        X509Certificate certificate;
        PrivateKey key;
        try (Reader reader = Files.newBufferedReader(directory.resolve(CERTIFICATE_FILE), StandardCharsets.US_ASCII);
                PEMParser parser = new PEMParser(reader)) {
            if (!(parser.readObject() instanceof X509CertificateHolder holder)) {
                throw new IOException(directory.resolve(CERTIFICATE_FILE) + " holds no certificate");
            }
            certificate = new JcaX509CertificateConverter().getCertificate(holder);
        } catch (GeneralSecurityException e) {
            throw new IOException(directory.resolve(CERTIFICATE_FILE) + " holds no readable certificate", e);
        }
        try (Reader reader = Files.newBufferedReader(directory.resolve(PRIVATE_KEY_FILE), StandardCharsets.US_ASCII);
                PEMParser parser = new PEMParser(reader)) {
            JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
            key = switch (parser.readObject()) {
                case PrivateKeyInfo info -> converter.getPrivateKey(info);
                case PEMKeyPair pair -> converter.getPrivateKey(pair.getPrivateKeyInfo());
                case null, default -> throw new IOException(directory.resolve(PRIVATE_KEY_FILE) + " holds no private key");
            };
        }
        return new CertificateAuthority(new KeyPair(certificate.getPublicKey(), key), certificate);
    }

    /** Writes {@value #CERTIFICATE_FILE} and {@value #PRIVATE_KEY_FILE} (owner-only) into {@code directory}. */
    public void writeTo(Path directory) {
        try {
            Files.createDirectories(directory);
            IssuedCertificate.replace(directory.resolve(PRIVATE_KEY_FILE), IssuedCertificate.pem(keys.getPrivate()), true);
            IssuedCertificate.replace(directory.resolve(CERTIFICATE_FILE), IssuedCertificate.pem(certificate), false);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the certificate authority in " + directory, e);
        }
    }

    public X509Certificate certificate() {
        return certificate;
    }

    /** A fresh key and a certificate for it saying what {@code request} says, valid for {@code validity}. */
    public IssuedCertificate issue(CertificateRequest request, Validity validity) {
        KeyPair holder = newKeyPair();
        try {
            JcaX509ExtensionUtils extensions = new JcaX509ExtensionUtils();
            X509v3CertificateBuilder builder = builder(X500Name.getInstance(certificate.getSubjectX500Principal().getEncoded()),
                    name(request.commonName()), validity, holder.getPublic())
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
                    .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature))
                    .addExtension(Extension.extendedKeyUsage, false,
                            new ExtendedKeyUsage(new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}))
                    .addExtension(Extension.subjectKeyIdentifier, false, extensions.createSubjectKeyIdentifier(holder.getPublic()))
                    .addExtension(Extension.authorityKeyIdentifier, false, extensions.createAuthorityKeyIdentifier(certificate));
            List<GeneralName> names = alternativeNames(request);
            if (!names.isEmpty()) {
                // RFC 5280: critical when the subject is empty; ours always has a common name.
                builder.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(names.toArray(GeneralName[]::new)));
            }
            return new IssuedCertificate(holder.getPrivate(), sign(builder, keys.getPrivate()), certificate);
        } catch (GeneralSecurityException | CertIOException e) {
            throw new IllegalStateException("cannot issue a certificate for " + request.commonName(), e);
        }
    }

    private static List<GeneralName> alternativeNames(CertificateRequest request) {
        List<GeneralName> names = new ArrayList<>();
        request.uris().forEach(uri -> names.add(new GeneralName(GeneralName.uniformResourceIdentifier, uri)));
        request.dnsNames().forEach(dns -> names.add(new GeneralName(GeneralName.dNSName, dns)));
        for (String address : request.ipAddresses()) {
            try {
                // A literal address: the lookup parses it and asks no resolver.
                byte[] octets = InetAddress.getByName(address).getAddress();
                names.add(new GeneralName(GeneralName.iPAddress, new DEROctetString(octets)));
            } catch (UnknownHostException notAnAddress) {
                throw new IllegalArgumentException("'" + address + "' is not an IP address", notAnAddress);
            }
        }
        return names;
    }

    private static X509v3CertificateBuilder builder(X500Name issuer, X500Name subject, Validity validity, PublicKey key) {
        return new JcaX509v3CertificateBuilder(issuer, new BigInteger(127, RANDOM).add(BigInteger.ONE),
                Date.from(validity.notBefore()), Date.from(validity.notAfter()), subject, key);
    }

    private static X509Certificate sign(X509v3CertificateBuilder builder, PrivateKey issuerKey) throws GeneralSecurityException {
        try {
            ContentSigner signer = new JcaContentSignerBuilder(SIGNATURE).build(issuerKey);
            return new JcaX509CertificateConverter().getCertificate(builder.build(signer));
        } catch (OperatorCreationException e) {
            throw new GeneralSecurityException(e);
        }
    }

    private static X500Name name(String commonName) {
        return new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.O, "vfleet").addRDN(BCStyle.CN, commonName).build();
    }

    private static KeyPair newKeyPair() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
            return generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new AssertionError("every JDK makes P-256 keys", e);
        }
    }
}
