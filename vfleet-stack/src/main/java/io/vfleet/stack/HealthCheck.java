package io.vfleet.stack;

import io.grpc.ChannelCredentials;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.TlsChannelCredentials;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.NettyChannelBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

/**
 * Performs {@link HealthProbe}s against 127.0.0.1 (gRPC over mutual TLS where the probe says so), keeping
 * one gRPC channel per probed port until closed so that polling does not open a connection per look.
 */
final class HealthCheck implements AutoCloseable {
    private static final Duration LOOK_TIMEOUT = Duration.ofSeconds(5);
    private static final Duration FIRST_GRPC_LOOK_TIMEOUT = Duration.ofSeconds(15);
    private static final String LOOPBACK = "127.0.0.1";
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(LOOK_TIMEOUT).build();
    private final Map<Integer, ManagedChannel> channels = new HashMap<>();

    /** Empty when every probe passes; otherwise what the first failing one saw. */
    Optional<String> notReady(List<HealthProbe> probes) {
        for (HealthProbe probe : probes) {
            Optional<String> problem = notReady(probe);
            if (problem.isPresent()) {
                return problem;
            }
        }
        return Optional.empty();
    }

    private Optional<String> notReady(HealthProbe probe) {
        return switch (probe) {
            case HealthProbe.Actuator actuator -> actuator(actuator.port());
            case HealthProbe.HttpAnswer answer -> httpAnswer(answer.port());
            case HealthProbe.Grpc grpc -> grpc(grpc.port(), grpc.tlsDirectory());
            case HealthProbe.Postgres postgres -> postgres(postgres);
        };
    }

    private Optional<String> actuator(int port) {
        // Readiness, not the whole health: what the kubelet waits for too, and it includes the database.
        URI uri = URI.create("http://" + LOOPBACK + ":" + port + "/actuator/health/readiness");
        Optional<HttpResponse<String>> response = get(uri);
        if (response.isEmpty()) {
            return Optional.of(uri + " does not answer yet");
        }
        String body = response.get().body();
        boolean up = response.get().statusCode() == 200 && "UP".equals(aggregateStatus(body));
        return up ? Optional.empty() : Optional.of(uri + " answered " + response.get().statusCode() + " " + body);
    }

    /** The top-level {@code status} of an actuator health answer: the aggregate of all its components. */
    private static String aggregateStatus(String body) {
        try {
            return JSON.readTree(body).path("status").asString("");
        } catch (JacksonException e) {
            return "";
        }
    }

    private Optional<String> postgres(HealthProbe.Postgres probe) {
        String url = "jdbc:postgresql://" + LOOPBACK + ":" + probe.port() + "/postgres?connectTimeout=" + LOOK_TIMEOUT.toSeconds();
        String password;
        try {
            password = Files.readString(probe.passwordFile()).strip();
        } catch (IOException e) {
            return Optional.of("cannot read " + probe.passwordFile() + ": " + e.getMessage());
        }
        try (Connection connection = DriverManager.getConnection(url, probe.user(), password)) {
            return connection.isValid((int) LOOK_TIMEOUT.toSeconds()) ? Optional.empty()
                    : Optional.of("PostgreSQL on " + LOOPBACK + ":" + probe.port() + " does not answer a query");
        } catch (SQLException e) {
            return Optional.of("PostgreSQL on " + LOOPBACK + ":" + probe.port() + ": " + e.getMessage());
        }
    }

    private Optional<String> httpAnswer(int port) {
        URI uri = URI.create("http://" + LOOPBACK + ":" + port + "/");
        Optional<HttpResponse<String>> response = get(uri);
        if (response.isEmpty()) {
            return Optional.of(uri + " does not answer yet");
        }
        int status = response.get().statusCode();
        return status < 500 ? Optional.empty() : Optional.of(uri + " answered " + status);
    }

    private Optional<HttpResponse<String>> get(URI uri) {
        HttpRequest request = HttpRequest.newBuilder(uri).timeout(LOOK_TIMEOUT).GET().build();
        try {
            return Optional.of(http.send(request, HttpResponse.BodyHandlers.ofString()));
        } catch (IOException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    private Optional<String> grpc(int port, Optional<Path> tlsDirectory) {
        // The first call on a channel also connects it (with its TLS handshake) and, in a JVM that just started
        // (./vfleet status), loads gRPC and Netty: seconds on a busy machine that say nothing about the server's health.
        boolean first = !channels.containsKey(port);
        ManagedChannel channel;
        try {
            channel = channels.computeIfAbsent(port, p -> NettyChannelBuilder.forAddress(LOOPBACK, p, credentials(tlsDirectory))
                    .build());
        } catch (UncheckedIOException unreadable) {
            return Optional.of("the TLS files in " + tlsDirectory.orElseThrow() + " cannot be read: " + unreadable.getMessage());
        }
        Duration timeout = first ? FIRST_GRPC_LOOK_TIMEOUT : LOOK_TIMEOUT;
        try {
            HealthCheckResponse.ServingStatus status = HealthGrpc.newBlockingStub(channel)
                    .withDeadlineAfter(timeout.toMillis(), TimeUnit.MILLISECONDS)
                    .check(HealthCheckRequest.getDefaultInstance())
                    .getStatus();
            return status == HealthCheckResponse.ServingStatus.SERVING ? Optional.empty()
                    : Optional.of("gRPC health on " + LOOPBACK + ":" + port + " is " + status);
        } catch (StatusRuntimeException e) {
            return Optional.of("gRPC health on " + LOOPBACK + ":" + port + " answers " + e.getStatus().getCode());
        }
    }

    /** Plaintext, or mutual TLS presenting the certificate in {@code tlsDirectory} and checking the server's address. */
    private static ChannelCredentials credentials(Optional<Path> tlsDirectory) {
        if (tlsDirectory.isEmpty()) {
            return InsecureChannelCredentials.create();
        }
        Path directory = tlsDirectory.get();
        try {
            return TlsChannelCredentials.newBuilder()
                    .keyManager(directory.resolve("tls.crt").toFile(), directory.resolve("tls.key").toFile())
                    .trustManager(directory.resolve("ca.crt").toFile())
                    .build();
        } catch (IOException unreadable) {
            throw new UncheckedIOException(unreadable);
        }
    }

    @Override
    public void close() {
        List<ManagedChannel> open = new ArrayList<>(channels.values());
        channels.clear();
        for (ManagedChannel channel : open) {
            channel.shutdownNow();
        }
    }
}
