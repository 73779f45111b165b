package io.vfleet.security.tls;

import io.vfleet.security.CertificateIdentity;
import java.io.IOException;
import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedKeyManager;
import javax.net.ssl.X509ExtendedTrustManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A process's identity in the fleet's mutual TLS, read from its {@link TlsFiles} and rotated without a
 * restart: {@link #reload()} (on a schedule with {@link #watch}) reads the files again when their content
 * changed, and from then on every new handshake presents the new certificate and checks peers against
 * the new authorities, while connections already open go on undisturbed.
 *
 * <p>What the JDK's TLS engine is given never changes: one {@link #keyManager()} and the verifiers
 * ({@link #clientVerifier()}, {@link #serverVerifier(String)}), which read the current identity at each
 * handshake. A rotation half done (a new certificate beside the old key) or an unreadable file is not
 * taken: the identity in use stays, the refusal is logged once, and the next reload tries again.
 *
 * <p>A client checks the server's identity by its fleet URI ({@link CertificateIdentity}), not by the
 * host name it dialled: an agent is reached at whatever address it registered, and what matters is
 * that the certificate there names the node the caller expects.
 */
public final class TlsIdentity implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(TlsIdentity.class);

    private final TlsFiles files;
    private final List<Runnable> rotationListeners = new CopyOnWriteArrayList<>();
    private final X509ExtendedKeyManager keyManager = new RotatingKeyManager();
    // current is what new handshakes use; previous serves a handshake that chose its alias just before a rotation.
    private volatile Loaded current;
    private volatile Loaded previous;
    private String lastRefused;
    private ScheduledExecutorService watcher;

    private record Loaded(TlsMaterial material, X509ExtendedTrustManager authorities) {}

    private TlsIdentity(TlsFiles files, Loaded loaded) {
        this.files = files;
        this.current = loaded;
        this.previous = loaded;
    }

    /** The identity in {@code files}; refuses to start with one that is missing, unreadable or mismatched. */
    public static TlsIdentity load(TlsFiles files) {
        try {
            Loaded loaded = loaded(TlsMaterial.read(files, 1));
            warnIfExpired(loaded.material());
            return new TlsIdentity(files, loaded);
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("Cannot use the TLS identity in " + files.certificate() + ", " + files.privateKey()
                    + " and " + files.authorities() + ": " + e.getMessage(), e);
        }
    }

    /** Reads the files again every {@code interval} (a daemon thread), until {@link #close()}. */
    // reload never throws, so the schedule's future never holds a failure to look at.
    @SuppressWarnings("FutureReturnValueIgnored")
    public synchronized TlsIdentity watch(Duration interval) {
        if (watcher == null && interval.isPositive()) {
            watcher = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().name("vfleet-tls-reload").daemon().factory());
            watcher.scheduleWithFixedDelay(this::reload, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
        }
        return this;
    }

    /** Runs {@code listener} after each rotation (for what keeps copies of the identity, such as Tomcat's connector). */
    public void onRotation(Runnable listener) {
        rotationListeners.add(listener);
    }

    /**
     * Takes the files' content if it changed and makes a valid identity; true when a new identity is now
     * in use. Never throws: a failure keeps the identity in use.
     */
    public synchronized boolean reload() {
        try {
            String digest = TlsMaterial.digest(files);
            if (digest.equals(current.material().digest()) || digest.equals(lastRefused)) {
                return false;
            }
            Loaded next;
            try {
                next = loaded(TlsMaterial.read(files, current.material().generation() + 1));
            } catch (IOException | GeneralSecurityException | RuntimeException refused) {
                lastRefused = digest;
                log.warn("Keeping the TLS identity in use ({}): {}", describe(current.material()), refused.getMessage());
                return false;
            }
            previous = current;
            current = next;
            log.info("TLS identity rotated: now {}", describe(next.material()));
            warnIfExpired(next.material());
            rotationListeners.forEach(Runnable::run);
            return true;
        } catch (IOException | RuntimeException unreadable) {
            log.warn("Keeping the TLS identity in use: {}", unreadable.getMessage());
            return false;
        }
    }

    /** The certificate new handshakes present. */
    public X509Certificate certificate() {
        return current.material().certificate();
    }

    /** The fleet URIs the current certificate names. */
    public List<String> identities() {
        return CertificateIdentity.uris(certificate());
    }

    /**
     * Stops the process unless the certificate names {@code uri}: a process started with another's
     * certificate would be refused by every peer, or worse, accepted as that other.
     */
    public void requireNames(String uri, String because) {
        if (!CertificateIdentity.names(certificate(), uri)) {
            throw new IllegalStateException("The TLS certificate " + files.certificate() + " names " + identities() + ", but "
                    + because + ": it must name " + uri);
        }
    }

    /** Presents the current certificate, for servers and for clients. */
    public X509ExtendedKeyManager keyManager() {
        return keyManager;
    }

    /** A server's check of its clients' certificates: they chain to the current authorities. */
    public X509ExtendedTrustManager clientVerifier() {
        return new Verifier(null);
    }

    /**
     * A client's check of the server it dialled: the certificate chains to the current authorities and
     * names {@code expectedIdentity} ({@code spiffe://vfleet/node/gpu-01}) among its fleet URIs.
     */
    public X509ExtendedTrustManager serverVerifier(String expectedIdentity) {
        if (expectedIdentity == null || expectedIdentity.isBlank()) {
            throw new IllegalArgumentException("a fleet client names the identity it expects of the server");
        }
        return new Verifier(expectedIdentity);
    }

    /** The current key and chain as an in-memory key store, for servers configured by key store (Tomcat). */
    public KeyStore keyStore(char[] password) {
        TlsMaterial material = current.material();
        try {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            store.setKeyEntry(material.alias(), material.key(), password, material.chain().toArray(X509Certificate[]::new));
            return store;
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("cannot hold the TLS identity in a key store", e);
        }
    }

    /** The current authorities as an in-memory trust store. */
    public KeyStore trustStore() {
        try {
            return authorities(current.material().authorities());
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("cannot hold the TLS authorities in a trust store", e);
        }
    }

    /** The alias the key store and key manager name the current identity by; it changes at each rotation. */
    public String alias() {
        return current.material().alias();
    }

    @Override
    public synchronized void close() {
        if (watcher != null) {
            watcher.shutdownNow();
            watcher = null;
        }
    }

    private static Loaded loaded(TlsMaterial material) throws IOException, GeneralSecurityException {
        TrustManagerFactory factory = TrustManagerFactory.getInstance("PKIX");
        factory.init(authorities(material.authorities()));
        for (TrustManager manager : factory.getTrustManagers()) {
            if (manager instanceof X509ExtendedTrustManager extended) {
                return new Loaded(material, extended);
            }
        }
        throw new GeneralSecurityException("the JDK's PKIX trust manager factory made no X.509 trust manager");
    }

    private static KeyStore authorities(List<X509Certificate> certificates) throws IOException, GeneralSecurityException {
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        for (int index = 0; index < certificates.size(); index++) {
            store.setCertificateEntry("authority-" + index, certificates.get(index));
        }
        return store;
    }

    private static String describe(TlsMaterial material) {
        X509Certificate certificate = material.certificate();
        List<String> uris = CertificateIdentity.uris(certificate);
        return (uris.isEmpty() ? certificate.getSubjectX500Principal().getName() : String.join(", ", uris))
                + ", serial " + certificate.getSerialNumber().toString(16) + ", valid until " + certificate.getNotAfter().toInstant();
    }

    private static void warnIfExpired(TlsMaterial material) {
        if (material.certificate().getNotAfter().toInstant().isBefore(Instant.now())) {
            log.warn("The TLS certificate in use has expired ({}): every peer will refuse it until it is renewed",
                    describe(material));
        }
    }

    private Loaded loadedFor(String alias) {
        Loaded now = current;
        if (now.material().alias().equals(alias)) {
            return now;
        }
        Loaded before = previous;
        return before.material().alias().equals(alias) ? before : null;
    }

    /** One key, whichever reading is current; its alias names the reading, so a chosen alias finds its own chain. */
    private final class RotatingKeyManager extends X509ExtendedKeyManager {

        private String aliasFor(String keyType) {
            TlsMaterial material = current.material();
            // TLS 1.2 may ask for "EC_EC" (an EC key certified by an EC key): the key's own algorithm is the first part.
            String algorithm = keyType == null ? null : keyType.split("_", -1)[0];
            return material.key().getAlgorithm().equals(algorithm) ? material.alias() : null;
        }

        private String aliasFor(String[] keyTypes) {
            if (keyTypes != null) {
                for (String keyType : keyTypes) {
                    String alias = aliasFor(keyType);
                    if (alias != null) {
                        return alias;
                    }
                }
            }
            return null;
        }

        @Override
        public String[] getClientAliases(String keyType, Principal[] issuers) {
            String alias = aliasFor(keyType);
            return alias == null ? null : new String[] {alias};
        }

        @Override
        public String chooseClientAlias(String[] keyTypes, Principal[] issuers, Socket socket) {
            return aliasFor(keyTypes);
        }

        @Override
        public String chooseEngineClientAlias(String[] keyTypes, Principal[] issuers, SSLEngine engine) {
            return aliasFor(keyTypes);
        }

        @Override
        public String[] getServerAliases(String keyType, Principal[] issuers) {
            return getClientAliases(keyType, issuers);
        }

        @Override
        public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
            return aliasFor(keyType);
        }

        @Override
        public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
            return aliasFor(keyType);
        }

        @Override
        public X509Certificate[] getCertificateChain(String alias) {
            Loaded loaded = loadedFor(alias);
            return loaded == null ? null : loaded.material().chain().toArray(X509Certificate[]::new);
        }

        @Override
        public PrivateKey getPrivateKey(String alias) {
            Loaded loaded = loadedFor(alias);
            return loaded == null ? null : loaded.material().key();
        }
    }

    /**
     * The current authorities' PKIX check, and for a server's certificate also its fleet identity. Host
     * names are deliberately not checked (see the class comment); the PKIX check without a socket or
     * engine does exactly the chain, validity and key usage.
     */
    private final class Verifier extends X509ExtendedTrustManager {
        private final String expectedServer;

        Verifier(String expectedServer) {
            this.expectedServer = expectedServer;
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            clientsOnly();
            current.authorities().checkClientTrusted(chain, authType);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
            clientsOnly();
            current.authorities().checkClientTrusted(chain, authType, socket);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
            clientsOnly();
            current.authorities().checkClientTrusted(chain, authType, engine);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            if (expectedServer == null) {
                throw new CertificateException("this verifier checks clients; a client names the server identity it expects");
            }
            current.authorities().checkServerTrusted(chain, authType);
            if (!CertificateIdentity.names(chain[0], expectedServer)) {
                List<String> named = CertificateIdentity.uris(chain[0]);
                throw new CertificateException("the server's certificate names " + (named.isEmpty() ? "no fleet identity" : named)
                        + ", not " + expectedServer);
            }
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
            checkServerTrusted(chain, authType);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
            checkServerTrusted(chain, authType);
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return current.material().authorities().toArray(X509Certificate[]::new);
        }

        private void clientsOnly() throws CertificateException {
            if (expectedServer != null) {
                throw new CertificateException("this verifier checks the server " + expectedServer + ", not clients");
            }
        }
    }
}
