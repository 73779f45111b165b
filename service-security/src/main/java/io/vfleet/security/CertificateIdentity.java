package io.vfleet.security;

import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Who a fleet process is, as its TLS certificate says: a SPIFFE-style URI in the subject alternative
 * names, in the trust domain {@value #TRUST_DOMAIN}.
 * <ul>
 *   <li>{@code spiffe://vfleet/node/<name>}: the agent of node {@code name} ({@link Role#AGENT});</li>
 *   <li>{@code spiffe://vfleet/controller}: the assignment service ({@link Role#CONTROLLER});</li>
 *   <li>{@code spiffe://vfleet/operator/<name>}: a person's or a tool's client certificate
 *       ({@link Role#OPERATOR}), for the agents' system calls outside any assignment.</li>
 * </ul>
 * A URI rather than a DNS name, because a node's name is not where it is reached: the same node
 * certificate holds whatever DNS names and addresses its agent is dialled at, and the identity
 * does not change when they do. Services (the inventory) carry {@code spiffe://vfleet/service/<name>}
 * and are recognised as servers only, never as callers with rights.
 */
public final class CertificateIdentity {
    public static final String TRUST_DOMAIN = "vfleet";
    private static final String PREFIX = "spiffe://" + TRUST_DOMAIN + "/";
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,252}");
    private static final int URI_NAME = 6;

    private CertificateIdentity() {
    }

    public static String nodeUri(String node) {
        return PREFIX + "node/" + node;
    }

    public static String controllerUri() {
        return PREFIX + "controller";
    }

    public static String operatorUri(String name) {
        return PREFIX + "operator/" + name;
    }

    public static String serviceUri(String name) {
        return PREFIX + "service/" + name;
    }

    /** The vfleet URIs among the certificate's subject alternative names. */
    public static List<String> uris(X509Certificate certificate) {
        List<String> uris = new ArrayList<>();
        Collection<List<?>> names;
        try {
            names = certificate.getSubjectAlternativeNames();
        } catch (CertificateParsingException malformed) {
            return List.of();
        }
        if (names == null) {
            return List.of();
        }
        for (List<?> name : names) {
            if (name.size() == 2 && Integer.valueOf(URI_NAME).equals(name.get(0)) && name.get(1) instanceof String uri
                    && uri.startsWith(PREFIX)) {
                uris.add(uri);
            }
        }
        return uris;
    }

    /** Whether the certificate names exactly {@code uri} among its vfleet identities. */
    public static boolean names(X509Certificate certificate, String uri) {
        return uris(certificate).contains(uri);
    }

    /**
     * The caller a peer's certificate proves; empty when it holds no caller identity. A certificate
     * naming two vfleet identities proves none: which one acts would be the reader's guess.
     */
    public static Optional<Caller> callerOf(X509Certificate certificate) {
        List<String> uris = uris(certificate);
        if (uris.size() != 1) {
            return Optional.empty();
        }
        String path = uris.getFirst().substring(PREFIX.length());
        if (path.equals("controller")) {
            return Optional.of(Caller.controller(path));
        }
        int slash = path.indexOf('/');
        if (slash < 0 || !NAME.matcher(path.substring(slash + 1)).matches()) {
            return Optional.empty();
        }
        String name = path.substring(slash + 1);
        return switch (path.substring(0, slash)) {
            case "node" -> Optional.of(Caller.agentOf(name));
            case "operator" -> Optional.of(Caller.of(path, Role.OPERATOR, null));
            default -> Optional.empty();
        };
    }
}
