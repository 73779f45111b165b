package io.vfleet.pki;

import java.util.ArrayList;
import java.util.List;

/**
 * What a certificate says of its holder: a common name for people reading it, the URIs that are its
 * fleet identity ({@code spiffe://vfleet/node/gpu-01}), and the DNS names and IP addresses it is reached
 * at, for clients that check a host name.
 */
public record CertificateRequest(String commonName, List<String> uris, List<String> dnsNames, List<String> ipAddresses) {

    public CertificateRequest {
        if (commonName == null || commonName.isBlank()) {
            throw new IllegalArgumentException("a certificate names its holder in commonName");
        }
        uris = List.copyOf(uris);
        dnsNames = List.copyOf(dnsNames);
        ipAddresses = List.copyOf(ipAddresses);
    }

    public static CertificateRequest of(String commonName) {
        return new CertificateRequest(commonName, List.of(), List.of(), List.of());
    }

    public CertificateRequest withUri(String uri) {
        return new CertificateRequest(commonName, plus(uris, uri), dnsNames, ipAddresses);
    }

    public CertificateRequest withDnsName(String dnsName) {
        return new CertificateRequest(commonName, uris, plus(dnsNames, dnsName), ipAddresses);
    }

    public CertificateRequest withIpAddress(String ipAddress) {
        return new CertificateRequest(commonName, uris, dnsNames, plus(ipAddresses, ipAddress));
    }

    /** Reachable on this machine: {@code localhost}, 127.0.0.1 and ::1. */
    public CertificateRequest onLoopback() {
        return withDnsName("localhost").withIpAddress("127.0.0.1").withIpAddress("::1");
    }

    private static List<String> plus(List<String> names, String name) {
        List<String> more = new ArrayList<>(names);
        more.add(name);
        return more;
    }
}
