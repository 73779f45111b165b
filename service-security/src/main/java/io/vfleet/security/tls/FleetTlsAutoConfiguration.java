package io.vfleet.security.tls;

import io.vfleet.security.AuthenticationMode;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionOutcome;
import org.springframework.boot.autoconfigure.condition.SpringBootCondition;
import org.springframework.boot.autoconfigure.ssl.SslBundleRegistrar;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.ssl.SslBundle;
import org.springframework.boot.ssl.SslBundleKey;
import org.springframework.boot.ssl.SslManagerBundle;
import org.springframework.boot.ssl.SslOptions;
import org.springframework.boot.ssl.SslStoreBundle;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.context.annotation.Conditional;
import org.springframework.core.env.Environment;
import org.springframework.core.type.AnnotatedTypeMetadata;
import io.netty.handler.ssl.util.KeyManagerFactoryWrapper;
import io.netty.handler.ssl.util.TrustManagerFactoryWrapper;

/**
 * The process's {@link TlsIdentity} and {@link FleetTransport}, and the identity as the Spring Boot SSL
 * bundle {@value TlsProperties#BUNDLE}: the gRPC server serves with it ({@link FleetTlsEnvironment}), and
 * REST does too where {@code server.ssl.bundle=vfleet} says so. A rotation updates the bundle, which
 * Tomcat takes without a restart; the gRPC server's key and trust managers read the rotating identity
 * at each handshake. Without an identity the application starts only in the local profile (fail closed).
 */
@AutoConfiguration(beforeName = "org.springframework.boot.autoconfigure.ssl.SslAutoConfiguration")
@EnableConfigurationProperties(TlsProperties.class)
public class FleetTlsAutoConfiguration {
    private static final Logger log = LoggerFactory.getLogger(FleetTlsAutoConfiguration.class);

    @Bean(destroyMethod = "close")
    @Conditional(TlsConfigured.class)
    TlsIdentity tlsIdentity(TlsProperties properties) {
        TlsIdentity identity = TlsIdentity.load(properties.files());
        log.info("TLS identity {} from {}", identity.identities(), properties.files().certificate());
        return identity.watch(properties.reloadInterval());
    }

    @Bean
    FleetTransport fleetTransport(ObjectProvider<TlsIdentity> identity, Environment environment) {
        TlsIdentity configured = identity.getIfAvailable();
        if (configured != null) {
            String served = environment.getProperty("spring.grpc.server.ssl.bundle");
            if (!TlsProperties.BUNDLE.equals(served)) {
                throw new IllegalStateException("A TLS identity is configured but the gRPC server is on SSL bundle '" + served
                        + "', not '" + TlsProperties.BUNDLE + "': it would serve without the fleet's mutual TLS. Set "
                        + "vfleet.tls.* where the environment is prepared (properties, arguments or environment variables)");
            }
            return FleetTransport.tls(configured);
        }
        if (!AuthenticationMode.local(List.of(environment.getActiveProfiles()))) {
            throw new IllegalStateException("No TLS identity is configured, and this application speaks to the fleet only "
                    + "over mutual TLS: set vfleet.tls.directory to a directory with tls.crt, tls.key and ca.crt (or "
                    + "vfleet.tls.certificate, vfleet.tls.private-key and vfleet.tls.authorities); plaintext gRPC is for "
                    + "the local stack's profile only");
        }
        log.warn("No TLS identity configured (vfleet.tls.directory): gRPC to and from this process is plaintext, "
                + "which only the local profile allows");
        return FleetTransport.plaintext();
    }

    @Bean
    @Conditional(TlsConfigured.class)
    SslBundleRegistrar fleetSslBundle(TlsIdentity identity) {
        return registry -> {
            registry.registerBundle(TlsProperties.BUNDLE, bundle(identity));
            identity.onRotation(() -> registry.updateBundle(TlsProperties.BUNDLE, bundle(identity)));
        };
    }

    /**
     * The identity as a bundle: stores of the current key and authorities (for servers configured by key
     * store), and the rotating managers themselves (for servers given managers). The in-memory key store's
     * password is fresh per bundle and never leaves the process.
     */
    static SslBundle bundle(TlsIdentity identity) {
        byte[] random = new byte[16];
        new SecureRandom().nextBytes(random);
        String password = HexFormat.of().formatHex(random);
        SslStoreBundle stores = SslStoreBundle.of(identity.keyStore(password.toCharArray()), password, identity.trustStore());
        SslManagerBundle managers = SslManagerBundle.of(new KeyManagerFactoryWrapper(identity.keyManager()),
                new TrustManagerFactoryWrapper(identity.clientVerifier()));
        return SslBundle.of(stores, SslBundleKey.of(password, identity.alias()), SslOptions.NONE, SslBundle.DEFAULT_PROTOCOL,
                managers);
    }

    /** {@code vfleet.tls.directory} or {@code vfleet.tls.certificate} is set. */
    static final class TlsConfigured extends SpringBootCondition {
        @Override
        public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
            Environment environment = context.getEnvironment();
            return environment.containsProperty("vfleet.tls.directory") || environment.containsProperty("vfleet.tls.certificate")
                    ? ConditionOutcome.match("a TLS identity is configured")
                    : ConditionOutcome.noMatch("no vfleet.tls.directory or vfleet.tls.certificate");
        }
    }
}
