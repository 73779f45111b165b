package io.vfleet.healthcheck;

import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;

/**
 * {@code java -cp /opt/vfleet/health-check/classes io.vfleet.healthcheck.HealthCheck <url>}: exits 0
 * when a GET of the URL answers 2xx within the time allowed, 1 otherwise, as {@code curl -f} would for
 * a container health check. Spring Boot's health
 * endpoints answer 503 when the application is down or out of service, so the status alone decides.
 * Only loopback URLs are accepted: a probe checks the container it runs in.
 */
public final class HealthCheck {
    private static final Duration TIMEOUT = Duration.ofSeconds(2);

    private HealthCheck() {}

    public static void main(String[] arguments) {
        if (arguments.length != 1) {
            System.err.println("usage: HealthCheck http://localhost:<port>/<path>");
            System.exit(2);
        }
        try {
            int status = status(arguments[0]);
            if (status / 100 != 2) {
                System.err.println(arguments[0] + " answered " + status);
                System.exit(1);
            }
        } catch (IOException | IllegalArgumentException e) {
            System.err.println(arguments[0] + ": " + e.getMessage());
            System.exit(1);
        }
    }

    static int status(String url) throws IOException {
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("not a URL: " + e.getMessage(), e);
        }
        if (!"http".equals(uri.getScheme()) || !("localhost".equals(uri.getHost()) || "127.0.0.1".equals(uri.getHost()))) {
            throw new IllegalArgumentException("only http://localhost or http://127.0.0.1 URLs are checked");
        }
        HttpURLConnection connection = (HttpURLConnection) uri.toURL().openConnection();
        connection.setConnectTimeout((int) TIMEOUT.toMillis());
        connection.setReadTimeout((int) TIMEOUT.toMillis());
        connection.setInstanceFollowRedirects(false);
        try {
            int status = connection.getResponseCode();
            InputStream body = status < 400 ? connection.getInputStream() : connection.getErrorStream();
            if (body != null) {
                body.close();
            }
            return status;
        } finally {
            connection.disconnect();
        }
    }
}
