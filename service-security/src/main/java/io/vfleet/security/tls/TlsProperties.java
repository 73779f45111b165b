package io.vfleet.security.tls;

import java.nio.file.Path;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The process's TLS identity ({@code vfleet.tls.*}): a {@code directory} holding {@code tls.crt},
 * {@code tls.key} and {@code ca.crt} (a cert-manager Secret mounted as files), or each file by name; read
 * again every {@code reload-interval} so that a renewed certificate is used without a restart. Without
 * one, an application starts only in the local stack's profile, and then speaks plaintext gRPC.
 *
 * @param directory      where {@code tls.crt}, {@code tls.key} and {@code ca.crt} are
 * @param certificate    the certificate file, instead of the directory's {@code tls.crt}
 * @param privateKey     the private key file, instead of the directory's {@code tls.key}
 * @param authorities    the trusted authorities' file, instead of the directory's {@code ca.crt}
 * @param reloadInterval how often the files are read again; 10 s by default, 0 never
 */
@ConfigurationProperties("vfleet.tls")
public record TlsProperties(Path directory, Path certificate, Path privateKey, Path authorities, Duration reloadInterval) {
    /** The Spring Boot SSL bundle the identity is registered as, for the gRPC server and, when asked, Tomcat. */
    public static final String BUNDLE = "vfleet";

    public TlsProperties {
        reloadInterval = reloadInterval == null ? Duration.ofSeconds(10) : reloadInterval;
    }

    public boolean configured() {
        return directory != null || certificate != null;
    }

    /** The three files; a file named alone is taken over the directory's. */
    public TlsFiles files() {
        TlsFiles inDirectory = directory == null ? null : TlsFiles.in(directory);
        Path chosenCertificate = certificate != null ? certificate : inDirectory == null ? null : inDirectory.certificate();
        Path chosenKey = privateKey != null ? privateKey : inDirectory == null ? null : inDirectory.privateKey();
        Path chosenAuthorities = authorities != null ? authorities : inDirectory == null ? null : inDirectory.authorities();
        if (chosenCertificate == null || chosenKey == null || chosenAuthorities == null) {
            throw new IllegalStateException("vfleet.tls names its files through vfleet.tls.directory, or all three of "
                    + "vfleet.tls.certificate, vfleet.tls.private-key and vfleet.tls.authorities");
        }
        return new TlsFiles(chosenCertificate, chosenKey, chosenAuthorities);
    }
}
