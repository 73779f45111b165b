package io.vfleet.security.tls;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Where a process's TLS identity lives, three PEM files: its certificate (then any intermediates), its
 * private key (PKCS#8, or the older RSA and EC forms), and the authorities a peer's certificate must chain
 * to. A directory holding {@code tls.crt}, {@code tls.key} and {@code ca.crt} is the usual form: the keys
 * of a cert-manager Secret mounted as files, the local stack's state, the kernel lab's agent.
 */
public record TlsFiles(Path certificate, Path privateKey, Path authorities) {
    public static final String CERTIFICATE = "tls.crt";
    public static final String PRIVATE_KEY = "tls.key";
    public static final String AUTHORITIES = "ca.crt";

    public TlsFiles {
        Objects.requireNonNull(certificate, "certificate");
        Objects.requireNonNull(privateKey, "privateKey");
        Objects.requireNonNull(authorities, "authorities");
    }

    /** {@value #CERTIFICATE}, {@value #PRIVATE_KEY} and {@value #AUTHORITIES} in {@code directory}. */
    public static TlsFiles in(Path directory) {
        return new TlsFiles(directory.resolve(CERTIFICATE), directory.resolve(PRIVATE_KEY), directory.resolve(AUTHORITIES));
    }
}
