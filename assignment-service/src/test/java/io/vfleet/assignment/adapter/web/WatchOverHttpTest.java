package io.vfleet.assignment.adapter.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.vfleet.assignment.support.ServiceOnAPort;
import io.vfleet.assignment.support.ServiceTestBase;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The watch as Server-Sent Events on a real socket: the list, then each revision's changes with its
 * revision as the event id; a client that reconnects with {@code Last-Event-ID} gets exactly what it
 * missed; a tenant-scoped client sees its tenant only; a position the log no longer covers is 410.
 */
@ServiceOnAPort
class WatchOverHttpTest extends ServiceTestBase {

    @LocalServerPort
    int port;

    private final HttpClient http = HttpClient.newHttpClient();
    private final JsonMapper json = JsonMapper.builder().build();

    /** One Server-Sent Event. */
    record Event(String name, String id, JsonNode data) {}

    /** A stream of events read on a thread of its own until closed. */
    final class Stream implements AutoCloseable {
        private final InputStream body;
        private final BlockingQueue<Event> events = new LinkedBlockingQueue<>();
        /** The id of the last event taken that had one: where a reconnect resumes. */
        private String lastId;

        Stream(InputStream body) {
            this.body = body;
            Thread.ofVirtual().start(this::read);
        }

        private void read() {
            try (BufferedReader lines = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8))) {
                String name = "message";
                String id = null;
                StringBuilder data = new StringBuilder();
                for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                    if (line.isEmpty()) {
                        if (!data.isEmpty()) {
                            events.add(new Event(name, id, json.readTree(data.toString())));
                        }
                        name = "message";
                        id = null;
                        data.setLength(0);
                    } else if (line.startsWith("event:")) {
                        name = line.substring(6).strip();
                    } else if (line.startsWith("id:")) {
                        id = line.substring(3).strip();
                    } else if (line.startsWith("data:")) {
                        data.append(line.substring(5).strip());
                    }
                }
            } catch (IOException closed) {
                // The test closed the stream.
            }
        }

        Event next() throws InterruptedException {
            Event event = events.poll(15, TimeUnit.SECONDS);
            assertThat(event).as("an event within 15 s").isNotNull();
            if (event.id() != null) {
                lastId = event.id();
            }
            return event;
        }

        /** The next {@code changed} events until {@code count} assignments were seen, as "id STATE". */
        List<String> changes(int count) throws InterruptedException {
            List<String> seen = new ArrayList<>();
            while (seen.size() < count) {
                Event event = next();
                if (event.name().equals("changed")) {
                    assertThat(event.id()).isEqualTo(event.data().path("revision").asString());
                    event.data().path("assignments").forEach(assignment -> seen.add(
                            assignment.path("id").asString() + " " + assignment.path("state").asString()));
                }
            }
            return seen;
        }

        @Override
        public void close() throws IOException {
            body.close();
        }
    }

    private HttpResponse<InputStream> open(String token, String lastEventId) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/api/v1/assignments/watch"))
                .header("Accept", "text/event-stream");
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        if (lastEventId != null) {
            request.header("Last-Event-ID", lastEventId);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
    }

    private String assign(String tenant, String device) throws Exception {
        HttpResponse<String> created = http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/api/v1/assignments"))
                .header("Authorization", "Bearer operator-token").header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"tenant\":\"" + tenant + "\",\"node\":\"n1\",\"devices\":[\""
                        + device + "\"]}")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        return json.readTree(created.body()).path("id").asString();
    }

    private void release(String id) throws Exception {
        assertThat(http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/api/v1/assignments/" + id))
                .header("Authorization", "Bearer operator-token").DELETE().build(), HttpResponse.BodyHandlers.ofString())
                .statusCode()).isEqualTo(200);
    }

    @Test
    void theListThenEachChangeAndAfterAReconnectExactlyWhatWasMissed() throws Exception {
        String listed = assign("acme", "0000:01:00.0");
        String lastSeen;
        String second;
        HttpResponse<InputStream> response = open("operator-token", null);
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(type -> assertThat(type).startsWith("text/event-stream"));
        try (Stream stream = new Stream(response.body())) {
            Event list = stream.next();
            assertThat(list.name()).isEqualTo("list");
            assertThat(list.data().findValuesAsString("id")).containsExactly(listed);
            assertThat(stream.next().name()).isEqualTo("synced");

            second = assign("globex", "0000:06:00.0");

            assertThat(stream.changes(2)).containsExactly(second + " PREPARING", second + " ACTIVE");
            lastSeen = stream.lastId;
        }
        release(second);
        String third = assign("acme", "0000:03:00.0");

        try (Stream again = new Stream(open("operator-token", lastSeen).body())) {
            Event synced = again.next();
            assertThat(synced.name()).isEqualTo("synced");
            assertThat(synced.id()).isEqualTo(lastSeen);
            assertThat(again.changes(4)).containsExactly(second + " RELEASING", second + " RELEASED",
                    third + " PREPARING", third + " ACTIVE");
        }
    }

    @Test
    void aTenantScopedClientSeesItsTenantOnly() throws Exception {
        assign("globex", "0000:06:00.0");
        try (Stream stream = new Stream(open("acme-token", null).body())) {
            assertThat(stream.next().name()).isEqualTo("synced");
            assign("globex", "0000:03:00.0");
            String mine = assign("acme", "0000:01:00.0");

            assertThat(stream.changes(2)).containsExactly(mine + " PREPARING", mine + " ACTIVE");
        }
    }

    @Test
    void aPositionTheLogNoLongerCoversIsGoneAndNoTokenIsUnauthorized() throws Exception {
        long now = jdbc.queryForObject("select pg_snapshot_xmin(pg_current_snapshot())::text::bigint - 1", Long.class);
        jdbc.update("update assignment.assignment_changes_kept set oldest_resumable = ?", now);

        HttpResponse<InputStream> gone = open("operator-token", Long.toString(now - 1));
        HttpResponse<InputStream> anonymous = open(null, null);

        assertThat(gone.statusCode()).isEqualTo(410);
        JsonNode problem = json.readTree(gone.body());
        assertThat(problem.path("type").asString()).endsWith("relist-required");
        assertThat(problem.path("oldestResumableRevision").asLong()).isEqualTo(now);
        assertThat(anonymous.statusCode()).isEqualTo(401);
        anonymous.body().close();
    }
}
