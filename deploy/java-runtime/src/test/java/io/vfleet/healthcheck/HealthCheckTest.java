package io.vfleet.healthcheck;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class HealthCheckTest {
    private HttpServer server;

    @BeforeEach
    void startAnActuatorThatIsUpOnReadinessAndDownOnLiveness() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/actuator/health/readiness", exchange -> {
            byte[] body = "{\"status\":\"UP\"}".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.createContext("/actuator/health/liveness", exchange -> {
            exchange.sendResponseHeaders(503, -1);
            exchange.close();
        });
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    @Test
    void anApplicationThatIsUpAnswers200() throws IOException {
        assertThat(HealthCheck.status(url("/actuator/health/readiness"))).isEqualTo(200);
    }

    @Test
    void anApplicationThatIsDownAnswersItsStatus() throws IOException {
        assertThat(HealthCheck.status(url("/actuator/health/liveness"))).isEqualTo(503);
    }

    @Test
    void onlyLoopbackHttpIsChecked() {
        assertThatThrownBy(() -> HealthCheck.status("http://example.com/actuator/health"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("only http://localhost");
        assertThatThrownBy(() -> HealthCheck.status("https://localhost/actuator/health"))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aPortNobodyListensOnIsAnError() {
        int port = server.getAddress().getPort();
        server.stop(0);

        assertThatThrownBy(() -> HealthCheck.status("http://127.0.0.1:" + port + "/actuator/health")).isInstanceOf(IOException.class);
    }

    private String url(String path) {
        return "http://127.0.0.1:" + server.getAddress().getPort() + path;
    }
}
