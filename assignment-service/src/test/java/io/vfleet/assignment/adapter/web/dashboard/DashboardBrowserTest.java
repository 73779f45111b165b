package io.vfleet.assignment.adapter.web.dashboard;

import static org.assertj.core.api.Assertions.assertThat;

import io.vfleet.assignment.support.Fleet;
import io.vfleet.assignment.support.ServiceTestBase;
import io.vfleet.assignment.support.TestInfrastructure;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Import;
import tools.jackson.databind.json.JsonMapper;

/**
 * The dashboard in a real browser against the whole service on a real port: assignments made
 * through the REST API appear on the page, live, with their tenant and devices. Leaves a
 * screenshot in {@code target/dashboard.png}.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "spring.profiles.active=local",
        "vfleet.security.tokens[0].token=operator-token",
        "vfleet.security.tokens[0].role=operator",
        "vfleet.security.tokens[1].token=orchestrator-token",
        "vfleet.security.tokens[1].role=orchestrator",
        // No fixed gRPC port that another build on the machine may hold.
        "spring.grpc.server.port=0",
        // The test sets up a release left half done; a reconciliation run must not finish it meanwhile.
        "vfleet.reconcile.on-start=false",
        "vfleet.reconcile.interval=0s",
        "logging.level.root=WARN",
})
@Import(TestInfrastructure.class)
class DashboardBrowserTest extends ServiceTestBase {

    private static final Duration LIVE = Duration.ofSeconds(15);

    @LocalServerPort
    int port;

    private final HttpClient http = HttpClient.newHttpClient();
    private final JsonMapper json = JsonMapper.builder().build();

    @Test
    void anAssignmentMadeThroughTheApiAppearsOnThePageWithItsTenantAndDevicesAndLaterOnesWithoutReload()
            throws Exception {
        topologies.replace(Fleet.node("n3", true, false), 3);
        topologies.replace(Fleet.withHostDrivers("n4"), 4);
        String acme = assign("acme", "n1", "0000:02:00.0", "0000:02:00.1");
        assign("globex", "n2", "0000:01:00.0");
        String releasing = assign("globex", "n2", "0000:03:00.0");
        // The agent goes away in the middle of a release: the devices stay RELEASING until reconciliation.
        agents.unreachable("n2", true);
        assertThat(call("DELETE", "/api/v1/assignments/" + releasing, null).statusCode()).isEqualTo(409);

        try (HeadlessChromium browser = HeadlessChromium.launch()) {
            browser.navigate("http://localhost:" + port + "/dashboard/");
            assertThat(browser.text("document.getElementById('status').textContent")).isEqualTo("Not connected");
            browser.evaluate("""
                    document.getElementById('token').value = 'operator-token';
                    document.getElementById('sign-in').requestSubmit();
                    true""");

            String row = "document.querySelector('#assignments tr[data-assignment=\"" + acme + "\"]')";
            browser.waitFor(row, LIVE);
            assertThat(browser.text("document.getElementById('status').textContent")).isEqualTo("Live");
            assertThat(browser.text(row + ".innerText"))
                    .contains("acme", "n1", "0000:02:00.0", "0000:02:00.1", "ACTIVE");
            String tile = "document.querySelector('#nodes [data-node=\"n1\"] [data-bdf=\"0000:02:00.0\"]')";
            assertThat(browser.text(tile + ".dataset.state")).isEqualTo("HELD");
            assertThat(browser.text(tile + ".innerText")).contains("acme");
            assertThat(browser.text(tile + ".closest('[role=group]').getAttribute('aria-label')"))
                    .isEqualTo("IOMMU group 11");
            assertThat(browser.text(tile + ".closest('.reset-set').getAttribute('aria-label')"))
                    .isEqualTo("Reset set bus:02");
            assertThat(browser.text(deviceState("n2", "0000:03:00.0"))).isEqualTo("RESETTING");
            assertThat(browser.text(deviceState("n3", "0000:01:00.0"))).isEqualTo("UNREACHABLE");
            assertThat(browser.text(deviceState("n1", "0000:06:00.0"))).isEqualTo("FREE");
            String hostDriven = "document.querySelector('#nodes [data-node=\"n4\"] [data-bdf=\"0000:03:00.0\"]')";
            assertThat(browser.text(hostDriven + ".dataset.state")).isEqualTo("HOST");
            assertThat(browser.text(hostDriven + ".innerText")).contains("Host driver").doesNotContain("Free");
            String barred = "document.querySelector('#nodes [data-node=\"n4\"] [data-bdf=\"0000:02:00.0\"]')";
            assertThat(browser.text(barred + ".dataset.state")).isEqualTo("NOT_ASSIGNABLE");
            assertThat(browser.text(barred + ".innerText")).contains("Group not viable");
            assertThat(browser.text(barred + ".title")).contains("IOMMU group 21 is not viable", "0000:02:00.1");
            assertThat(browser.text("document.querySelector('#nodes [data-node=\"n1\"] [data-bdf=\"0000:05:00.0\"]')"
                    + ".innerText")).contains("Unsafe");
            assertThat(browser.evaluate("document.querySelectorAll('#audit tbody tr').length").asInt())
                    .isGreaterThanOrEqualTo(10);

            String later = assign("initech", "n1", "0000:06:00.0");
            browser.waitFor("document.querySelector('#assignments tr[data-assignment=\"" + later + "\"]')", LIVE);
            browser.waitFor(deviceState("n1", "0000:06:00.0") + " === 'HELD'", LIVE);

            assertThat(browser.text("sessionStorage.getItem('vfleet.dashboard.token')")).isEqualTo("operator-token");
            assertThat(browser.text("document.documentElement.outerHTML")).doesNotContain("operator-token");
            assertThat(browser.evaluate("[...document.querySelectorAll('input')].every(input => input.labels.length > 0)")
                    .asBoolean()).as("every input has a label").isTrue();
            assertThat(browser.evaluate("[...document.querySelectorAll('th')].every(th => th.scope === 'col')")
                    .asBoolean()).as("every table header has a scope").isTrue();
            assertThat(browser.evaluate("['header', 'main', 'footer'].every(tag => document.querySelector(tag))")
                    .asBoolean()).as("the page has its landmarks").isTrue();

            browser.screenshot(Path.of("target", "dashboard.png"), 1440);
            assertThat(browser.errors()).as("errors the page reported").isEmpty();
        }
    }

    @Test
    void aTokenTheServerDoesNotKnowIsForgottenAndSaidSo() throws Exception {
        try (HeadlessChromium browser = HeadlessChromium.launch()) {
            browser.navigate("http://localhost:" + port + "/dashboard/index.html");
            browser.evaluate("""
                    document.getElementById('token').value = 'nobody-knows-this';
                    document.getElementById('sign-in').requestSubmit();
                    true""");

            browser.waitFor("!document.getElementById('notice').hidden"
                    + " && document.getElementById('notice').textContent.includes('does not know')", LIVE);
            assertThat(browser.evaluate("sessionStorage.getItem('vfleet.dashboard.token')").isNull()).isTrue();
            assertThat(browser.text("document.getElementById('status').textContent")).isEqualTo("Not connected");
            // The 401 itself is the one error Chromium reports: the failed load of the snapshot.
            assertThat(browser.errors()).allSatisfy(error -> assertThat(error).contains("401"));
        }
    }

    private static String deviceState(String node, String bdf) {
        return "document.querySelector('#nodes [data-node=\"" + node + "\"] [data-bdf=\"" + bdf + "\"]').dataset.state";
    }

    private String assign(String tenant, String node, String... devices) throws IOException, InterruptedException {
        String body = "{\"tenant\":\"" + tenant + "\",\"node\":\"" + node + "\",\"devices\":["
                + List.of(devices).stream().map(device -> "\"" + device + "\"").collect(Collectors.joining(",")) + "]}";
        HttpResponse<String> created = call("POST", "/api/v1/assignments", body);
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        return json.readTree(created.body()).path("id").asString();
    }

    private HttpResponse<String> call(String method, String path, String body) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
                .header("Authorization", "Bearer orchestrator-token")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            request.header("Content-Type", "application/json");
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
