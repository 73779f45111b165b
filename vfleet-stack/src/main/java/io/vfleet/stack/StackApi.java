package io.vfleet.stack;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The assignment service's REST API as the launcher uses it: to wait until the service knows every
 * node, and for the self-test. Plain HTTP on the loopback address with a bearer token, as an
 * orchestrator or an operator would call it.
 */
final class StackApi {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Duration POLL = Duration.ofMillis(500);

    /** An answer: its status and its body, parsed when it is JSON (else a missing node). */
    record Response(int status, JsonNode body, String text) {}

    private final String baseUrl;

    StackApi(String baseUrl) {
        this.baseUrl = baseUrl;
    }

    Response get(String token, String path) {
        return send(request(token, path).GET());
    }

    Response post(String token, String path, String json) {
        return send(request(token, path).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)));
    }

    Response delete(String token, String path) {
        return send(request(token, path).DELETE());
    }

    /**
     * Waits until the operator's dashboard lists every node as live: the agents registered with the
     * inventory and the assignment service followed its feed, so that assignments can be placed.
     */
    void awaitNodesLive(String operatorToken, Collection<String> nodes, Duration timeout) {
        Instant deadline = Instant.now().plus(timeout);
        String seen = "no answer yet";
        while (true) {
            try {
                Response dashboard = get(operatorToken, "/api/v1/dashboard");
                if (dashboard.status() == 200) {
                    List<String> live = new ArrayList<>();
                    // A line per node, the first hundred; a stack has a handful.
                    dashboard.body().path("nodes").path("items").forEach(node -> {
                        if (node.path("live").asBoolean()) {
                            live.add(node.path("node").asString());
                        }
                    });
                    if (live.containsAll(nodes)) {
                        return;
                    }
                    seen = "live: " + live;
                } else {
                    seen = "the dashboard answered " + dashboard.status() + " " + dashboard.text();
                }
            } catch (StackException e) {
                seen = e.getMessage();
            }
            if (Instant.now().isAfter(deadline)) {
                throw new StackException("the assignment service did not learn every node (" + nodes + ") from the"
                        + " inventory within " + Durations.describe(timeout) + "; " + seen);
            }
            try {
                Thread.sleep(POLL);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new StackException("interrupted while waiting for the assignment service to learn the nodes");
            }
        }
    }

    private HttpRequest.Builder request(String token, String path) {
        return HttpRequest.newBuilder(URI.create(baseUrl + path)).timeout(Duration.ofSeconds(30))
                .header("Authorization", "Bearer " + token);
    }

    private static Response send(HttpRequest.Builder builder) {
        HttpRequest request = builder.build();
        try {
            HttpResponse<String> response = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
            boolean json = response.headers().firstValue("Content-Type").orElse("").contains("json") && !response.body().isEmpty();
            JsonNode body = json ? JSON.readTree(response.body()) : JSON.missingNode();
            return new Response(response.statusCode(), body, response.body());
        } catch (IOException | JacksonException e) {
            throw new StackException(request.method() + " " + request.uri() + " failed: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StackException("interrupted during " + request.method() + " " + request.uri());
        }
    }
}
