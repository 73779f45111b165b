package io.vfleet.assignment.adapter.web.dashboard;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Debian's Chromium without a screen, driven over the Chrome DevTools Protocol on a WebSocket:
 * navigate, run JavaScript in the page, capture a screenshot. It keeps every error the page reports
 * (uncaught exceptions, {@code console.error}, failed loads), so a test can insist there were none.
 *
 * <p>Each browser gets a fresh profile directory, removed on {@link #close()}, so no state (cookies,
 * session storage) leaks from one run to the next.
 *
 * <p>Public, and shipped in the service's test jar, so that the end-to-end tests drive the dashboard
 * of a running stack with the same client as the service's own tests.
 */
public final class HeadlessChromium implements AutoCloseable {

    static final Path BINARY = Path.of("/usr/bin/chromium");

    private static final Duration STARTUP = Duration.ofSeconds(30);
    private static final Duration COMMAND = Duration.ofSeconds(30);

    private final Process process;
    private final Path scratch;
    private final JsonMapper json = JsonMapper.builder().build();
    private final AtomicLong ids = new AtomicLong();
    private final Map<Long, CompletableFuture<JsonNode>> pending = new ConcurrentHashMap<>();
    private final List<String> errors = new CopyOnWriteArrayList<>();
    private WebSocket page;

    private HeadlessChromium(Process process, Path scratch) {
        this.process = process;
        this.scratch = scratch;
    }

    /** Starts Chromium on a blank page; fails, naming the package to install, when it is not there. */
    public static HeadlessChromium launch() throws IOException, InterruptedException {
        if (!Files.isExecutable(BINARY)) {
            throw new AssertionError("Chromium is needed for the dashboard's browser test but " + BINARY
                    + " is missing: install it with `apt-get install -y chromium` (as root, or with sudo)");
        }
        Path scratch = Files.createTempDirectory("vfleet-chromium");
        Path profile = Files.createDirectory(scratch.resolve("profile"));
        Process process = new ProcessBuilder(BINARY.toString(), "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
                "--user-data-dir=" + profile, "--remote-debugging-port=0", "--window-size=1440,900", "about:blank")
                .redirectErrorStream(true)
                .redirectOutput(scratch.resolve("chromium.log").toFile())
                .start();
        HeadlessChromium browser = new HeadlessChromium(process, scratch);
        try {
            browser.attach(profile.resolve("DevToolsActivePort"));
        } catch (IOException | InterruptedException | RuntimeException | AssertionError failed) {
            browser.close();
            throw failed;
        }
        return browser;
    }

    /** Chromium writes its DevTools port to the profile once it listens; the blank page is the target. */
    private void attach(Path activePort) throws IOException, InterruptedException {
        Instant deadline = Instant.now().plus(STARTUP);
        while (!Files.exists(activePort) || Files.readAllLines(activePort).isEmpty()) {
            if (!process.isAlive() || Instant.now().isAfter(deadline)) {
                throw new AssertionError("Chromium did not open its DevTools port: " + log());
            }
            Thread.sleep(50);
        }
        String port = Files.readAllLines(activePort).getFirst().trim();
        HttpClient http = HttpClient.newHttpClient();
        String targets = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/json/list")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        String pageUrl = null;
        for (JsonNode target : json.readTree(targets)) {
            if (target.path("type").asString().equals("page")) {
                pageUrl = target.path("webSocketDebuggerUrl").asString();
            }
        }
        if (pageUrl == null) {
            throw new AssertionError("Chromium offers no page to drive: " + targets);
        }
        page = http.newWebSocketBuilder().buildAsync(URI.create(pageUrl), new Listener()).join();
        send("Runtime.enable", Map.of());
        send("Log.enable", Map.of());
        send("Page.enable", Map.of());
    }

    /** Loads the address and waits until the document and everything it loads are in. */
    public void navigate(String url) {
        JsonNode navigated = send("Page.navigate", Map.of("url", url));
        if (navigated.hasNonNull("errorText")) {
            throw new AssertionError("Chromium could not load " + url + ": " + navigated.path("errorText").asString());
        }
        waitFor("document.readyState === 'complete' && location.href !== 'about:blank'", Duration.ofSeconds(20));
    }

    /** The value of a JavaScript expression in the page (awaited when it is a promise), as JSON. */
    public JsonNode evaluate(String expression) {
        JsonNode answer = send("Runtime.evaluate",
                Map.of("expression", expression, "returnByValue", true, "awaitPromise", true));
        if (answer.hasNonNull("exceptionDetails")) {
            throw new AssertionError("the page threw on `" + expression + "`: " + describe(answer.path("exceptionDetails")));
        }
        return answer.path("result").path("value");
    }

    public String text(String expression) {
        return evaluate(expression).asString();
    }

    /** Polls until the expression is true, failing after {@code timeout} with the page's errors so far. */
    public void waitFor(String expression, Duration timeout) {
        Instant deadline = Instant.now().plus(timeout);
        while (!evaluate("Boolean(" + expression + ")").asBoolean()) {
            if (Instant.now().isAfter(deadline)) {
                throw new AssertionError("waited " + timeout + " for `" + expression + "`; page errors: " + errors);
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException interrupted) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted while waiting for `" + expression + "`", interrupted);
            }
        }
    }

    /** A PNG of the whole page laid out {@code width} CSS pixels wide. */
    public void screenshot(Path file, int width) throws IOException {
        send("Emulation.setDeviceMetricsOverride",
                Map.of("width", width, "height", 900, "deviceScaleFactor", 1, "mobile", false));
        long height = Math.round(send("Page.getLayoutMetrics", Map.of()).path("cssContentSize").path("height").asDouble());
        send("Emulation.setDeviceMetricsOverride",
                Map.of("width", width, "height", Math.clamp(height, 600, 8000), "deviceScaleFactor", 1, "mobile", false));
        String png = send("Page.captureScreenshot", Map.of("format", "png")).path("data").asString();
        Files.createDirectories(file.toAbsolutePath().getParent());
        Files.write(file, Base64.getDecoder().decode(png));
    }

    /** Everything the page reported as an error since it was launched. */
    public List<String> errors() {
        return List.copyOf(errors);
    }

    private JsonNode send(String method, Map<String, Object> parameters) {
        long id = ids.incrementAndGet();
        CompletableFuture<JsonNode> answer = new CompletableFuture<>();
        pending.put(id, answer);
        try {
            page.sendText(json.writeValueAsString(Map.of("id", id, "method", method, "params", parameters)), true).join();
            return answer.get(COMMAND.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException failed) {
            throw new AssertionError(method + " failed: " + failed.getCause().getMessage(), failed.getCause());
        } catch (TimeoutException late) {
            throw new AssertionError(method + " got no answer in " + COMMAND + "; Chromium said: " + log(), late);
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
            throw new AssertionError(method + " was interrupted", interrupted);
        } finally {
            pending.remove(id);
        }
    }

    private void receive(String message) {
        JsonNode frame = json.readTree(message);
        if (frame.has("id")) {
            CompletableFuture<JsonNode> answer = pending.get(frame.path("id").asLong());
            if (answer == null) {
                return;
            }
            if (frame.has("error")) {
                answer.completeExceptionally(new IllegalStateException(frame.path("error").toString()));
            } else {
                answer.complete(frame.path("result"));
            }
            return;
        }
        JsonNode parameters = frame.path("params");
        switch (frame.path("method").asString()) {
            case "Runtime.exceptionThrown" -> errors.add("uncaught: " + describe(parameters.path("exceptionDetails")));
            case "Runtime.consoleAPICalled" -> {
                String type = parameters.path("type").asString();
                if (type.equals("error") || type.equals("assert")) {
                    List<String> arguments = new ArrayList<>();
                    parameters.path("args").forEach(argument -> arguments.add(argument.has("value")
                            ? argument.path("value").asString() : argument.path("description").asString()));
                    errors.add("console." + type + ": " + String.join(" ", arguments));
                }
            }
            case "Log.entryAdded" -> {
                JsonNode entry = parameters.path("entry");
                if (entry.path("level").asString().equals("error")) {
                    errors.add(entry.path("source").asString() + ": " + entry.path("text").asString() + " "
                            + entry.path("url").asString());
                }
            }
            default -> {
                // Other events (page lifecycle, execution contexts) tell a test nothing it asserts on.
            }
        }
    }

    private static String describe(JsonNode exceptionDetails) {
        JsonNode exception = exceptionDetails.path("exception");
        return exception.has("description") ? exception.path("description").asString()
                : exceptionDetails.path("text").asString();
    }

    private String log() {
        try {
            return Files.readString(scratch.resolve("chromium.log"));
        } catch (IOException unreadable) {
            return "(no log: " + unreadable.getMessage() + ")";
        }
    }

    @Override
    public void close() {
        if (page != null) {
            try {
                page.sendText(json.writeValueAsString(Map.of("id", ids.incrementAndGet(), "method", "Browser.close")), true)
                        .get(5, TimeUnit.SECONDS);
            } catch (ExecutionException | TimeoutException | InterruptedException | RuntimeException gone) {
                // The browser may be gone already; the process is ended below either way.
            }
            page.abort();
        }
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
        }
        try (Stream<Path> files = Files.walk(scratch)) {
            files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException | UncheckedIOException ignored) {
            // A leftover temporary profile is harmless; the next launch makes its own.
        }
    }

    /** Reassembles messages that arrive in parts (a screenshot is megabytes of base64). */
    private final class Listener implements WebSocket.Listener {
        private final StringBuilder message = new StringBuilder();

        @Override
        public CompletionStage<?> onText(WebSocket socket, CharSequence part, boolean last) {
            message.append(part);
            if (last) {
                receive(message.toString());
                message.setLength(0);
            }
            socket.request(1);
            return null;
        }
    }
}
