package io.vfleet.stack;

import java.nio.file.Path;
import java.util.Optional;

/**
 * What "ready to serve" means for one child process: its actuator health says UP, its HTTP port
 * answers at all (for an application that has no actuator), or its gRPC health service says SERVING.
 * A description only; {@link HealthCheck} performs it.
 */
public sealed interface HealthProbe {

    /** {@code GET /actuator/health/readiness} answers 200 with status UP. */
    record Actuator(int port) implements HealthProbe {}

    /** Any HTTP answer below 500 on {@code /}: the port is served by a started application. */
    record HttpAnswer(int port) implements HealthProbe {}

    /**
     * {@code grpc.health.v1.Health/Check} for the whole server answers SERVING; over mutual TLS with the
     * certificate in {@code tlsDirectory} ({@code tls.crt}, {@code tls.key}, {@code ca.crt}) when there is one.
     */
    record Grpc(int port, Optional<Path> tlsDirectory) implements HealthProbe {

        public Grpc(int port) {
            this(port, Optional.empty());
        }
    }
}
