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

/**
 * Performs {@link HealthProbe}s against 127.0.0.1 (gRPC over mutual TLS where the probe says so), keeping one gRPC channel per probed port until
 * closed so that polling does not open a connection per look.
 */
final class HealthCheck implements AutoCloseable {
    private static final Duration LOOK_TIMEOUT = Duration.ofSeconds(2);
    private static final String LOOPBACK = "127.0.0.1";

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
        };
    }

    private Optional<String> actuator(int port) {
        // Readiness, not the whole health: what the kubelet waits for too, and it includes the database.
        URI uri = URI.create("http://" + LOOPBACK + ":" + port + "/actuator/health/readiness");
        Optional<HttpResponse<String>> response = get(uri);
        if (response.isEmpty()) {
            return Optional.of(uri + " does not answer yet");
        }
        // Compact JSON written by the actuator: the first "status" is the aggregate of all components.
        String body = response.get().body();
        boolean up = response.get().statusCode() == 200 && body.replace(" ", "").contains("\"status\":\"UP\"");
        return up ? Optional.empty() : Optional.of(uri + " answered " + response.get().statusCode() + " " + body);
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
        ManagedChannel channel;
        try {
            channel = channels.computeIfAbsent(port, p -> NettyChannelBuilder.forAddress(LOOPBACK, p, credentials(tlsDirectory))
                    .build());
        } catch (UncheckedIOException unreadable) {
            return Optional.of("the TLS files in " + tlsDirectory.orElseThrow() + " cannot be read: " + unreadable.getMessage());
        }
        try {
            HealthCheckResponse.ServingStatus status = HealthGrpc.newBlockingStub(channel)
                    .withDeadlineAfter(LOOK_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
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
