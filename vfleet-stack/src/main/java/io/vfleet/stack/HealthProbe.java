package io.vfleet.stack;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import java.nio.file.Path;
import java.util.Optional;

/**
 * What "ready to serve" means for one child process: its actuator health says UP, its HTTP port
 * answers at all (for an application that has no actuator), its gRPC health service says SERVING,
 * or PostgreSQL lets its superuser in. A description only, kept in the stack's state file for
 * {@code ./vfleet status}; {@link HealthCheck} performs it.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "kind")
@JsonSubTypes({
        @JsonSubTypes.Type(value = HealthProbe.Actuator.class, name = "actuator"),
        @JsonSubTypes.Type(value = HealthProbe.HttpAnswer.class, name = "http"),
        @JsonSubTypes.Type(value = HealthProbe.Grpc.class, name = "grpc"),
        @JsonSubTypes.Type(value = HealthProbe.Postgres.class, name = "postgres")})
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

    /**
     * A connection to the database {@code postgres} as {@code user}, with the password kept in
     * {@code passwordFile} (owner-only), succeeds: the server accepts connections and checks passwords.
     */
    record Postgres(int port, String user, Path passwordFile) implements HealthProbe {}
}
