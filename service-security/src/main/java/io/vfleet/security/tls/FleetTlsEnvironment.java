package io.vfleet.security.tls;

import java.util.Map;
import org.springframework.boot.EnvironmentPostProcessor;
import org.springframework.boot.SpringApplication;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;

/**
 * Serves gRPC with the process's TLS identity whenever it has one: {@code vfleet.tls.*} alone puts the
 * gRPC server on the {@value TlsProperties#BUNDLE} SSL bundle, so that configuring an identity can never
 * leave the server speaking plaintext. Each application says in its own properties whether its clients
 * must present a certificate ({@code spring.grpc.server.ssl.client-auth}).
 */
public class FleetTlsEnvironment implements EnvironmentPostProcessor {
    static final String SOURCE = "vfleet-tls-defaults";

    @Override
    public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
        if (environment.containsProperty("vfleet.tls.directory") || environment.containsProperty("vfleet.tls.certificate")) {
            environment.getPropertySources().addLast(new MapPropertySource(SOURCE,
                    Map.of("spring.grpc.server.ssl.bundle", TlsProperties.BUNDLE)));
        }
    }
}
