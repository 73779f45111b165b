package io.vfleet.assignment.support;

import com.zaxxer.hikari.HikariDataSource;
import io.vfleet.assignment.AssignmentApplication;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * One run of the whole assignment service in this JVM, as its executable jar would run it: its own
 * web and gRPC ports, the real gRPC agents and inventory feed, on a database of the test's. Stopping
 * it is a crash as far as its work is concerned: its database sessions end first, all at once, as
 * they do when a process dies (its incarnation's lock with them), so that nothing it was doing can
 * store anything more; then requests parked at failpoints end where they are, and the rest stops.
 */
public final class ServiceRun implements AutoCloseable {

    public static final String OPERATOR_TOKEN = "operator-token";
    public static final String AUDITOR_TOKEN = "auditor-token";

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final ConfigurableApplicationContext context;
    private final HttpClient http = HttpClient.newHttpClient();

    private ServiceRun(ConfigurableApplicationContext context) {
        this.context = context;
    }

    /** Starts a run on {@code database} with the test's {@code settings} over the defaults of a test run. */
    public static ServiceRun start(String database, Map<String, String> settings) {
        Map<String, String> properties = new LinkedHashMap<>();
        // As deployed: the service on its own role, the migrations on the schema owner's.
        AssignmentDatabase.separate(database, AssignmentDatabase.OWNER);
        String server = AssignmentDatabase.jdbcUrl();
        String url = server.substring(0, server.lastIndexOf('/') + 1) + database;
        properties.put("spring.profiles.active", "local");
        properties.put("spring.datasource.url", url);
        properties.put("spring.datasource.username", AssignmentDatabase.SERVICE);
        properties.put("spring.datasource.password", AssignmentDatabase.password());
        properties.put("spring.flyway.user", AssignmentDatabase.OWNER);
        properties.put("spring.flyway.password", AssignmentDatabase.password());
        // The run's checkpoints are of its database's log, kept apart from other tests' logs.
        properties.put("vfleet.audit.checkpoints.directory", ServiceTest.AUDIT + "/" + database + "/checkpoints");
        properties.put("server.port", "0");
        properties.put("server.address", "127.0.0.1");
        properties.put("spring.grpc.server.port", "0");
        properties.put("vfleet.security.tokens[0].token", OPERATOR_TOKEN);
        properties.put("vfleet.security.tokens[0].role", "operator");
        properties.put("vfleet.security.tokens[1].token", AUDITOR_TOKEN);
        properties.put("vfleet.security.tokens[1].role", "auditor");
        properties.put("vfleet.agents.deadline", "5s");
        properties.put("logging.level.root", "WARN");
        properties.put("logging.level.io.vfleet", "INFO");
        // A request parked at a failpoint ends with an error when the run stops; that is the point, not news.
        properties.put("logging.level.org.apache.catalina.core", "OFF");
        properties.putAll(settings);
        // As command-line arguments, which win over the application's own properties, as they do for the jar.
        String[] arguments = properties.entrySet().stream()
                .map(setting -> "--" + setting.getKey() + "=" + setting.getValue()).toArray(String[]::new);
        return new ServiceRun(new SpringApplicationBuilder(AssignmentApplication.class).run(arguments));
    }

    public <T> T bean(Class<T> type) {
        return context.getBean(type);
    }

    public String url() {
        return "http://127.0.0.1:" + context.getEnvironment().getProperty("local.server.port");
    }

    public record Answer(int status, JsonNode body) {}

    public Answer get(String path, String token) {
        return send(HttpRequest.newBuilder(URI.create(url() + path)).header("Authorization", "Bearer " + token).GET());
    }

    public Answer post(String path, String token, String json) {
        return send(HttpRequest.newBuilder(URI.create(url() + path)).header("Authorization", "Bearer " + token)
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json)));
    }

    public Answer delete(String path, String token) {
        return send(HttpRequest.newBuilder(URI.create(url() + path)).header("Authorization", "Bearer " + token).DELETE());
    }

    private Answer send(HttpRequest.Builder request) {
        try {
            HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
            return new Answer(response.statusCode(), response.body().isEmpty() ? null : JSON.readTree(response.body()));
        } catch (IOException failed) {
            throw new java.io.UncheckedIOException(failed);
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(interrupted);
        }
    }

    /** Ends the run as a crash would: nothing it was doing stores anything after this. */
    @Override
    public void close() {
        if (!context.isActive()) {
            return;
        }
        context.getBean(HikariDataSource.class).close();
        context.close();
        http.close();
    }
}
