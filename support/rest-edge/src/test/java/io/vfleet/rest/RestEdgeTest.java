package io.vfleet.rest;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.http.ProblemDetail;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.filter.OncePerRequestFilter;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The shared edge on a small application of its own, over a real HTTP server: every refusal, the
 * framework's and a filter's included, is a problem of the one vocabulary; JSON binds strictly;
 * bodies over the limit are refused whether their length is declared or not.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        classes = RestEdgeTest.Application.class, properties = "vfleet.rest.max-body-size=1KB")
class RestEdgeTest {

    /** Only what is declared here and the auto-configuration: no scanning, which would find the edge's own classes. */
    @SpringBootConfiguration
    @EnableAutoConfiguration
    @Import({Application.Orders.class, Application.Advice.class})
    static class Application {

        record Selector(Integer count, String vendorId) {}

        record Order(String tenant, List<String> devices, Selector selector, Boolean withKvm, Long limit) {}

        @RestController
        static class Orders {
            @PostMapping("/api/orders")
            Order order(@RequestBody Order order) {
                return order;
            }

            @GetMapping("/api/orders")
            List<String> list(@RequestParam(required = false) String tenant, @RequestParam(defaultValue = "0") int page) {
                return List.of(String.valueOf(tenant), Integer.toString(page));
            }

            @GetMapping("/api/broken")
            String broken() {
                throw new IllegalStateException("a secret the caller must not read");
            }
        }

        @RestControllerAdvice
        static class Advice extends ProblemResponses {
            @ExceptionHandler
            ProblemDetail refused(UnsupportedOperationException refused) {
                return Problems.of(ProblemType.CONFLICT, refused.getMessage());
            }
        }

        /** A security filter of the kind the services have: it answers 401 itself, through the edge's writer. */
        @Bean
        FilterRegistrationBean<OncePerRequestFilter> guard(ProblemWriter problems) {
            return new FilterRegistrationBean<>(new OncePerRequestFilter() {
                @Override
                protected void doFilterInternal(jakarta.servlet.http.HttpServletRequest request,
                        jakarta.servlet.http.HttpServletResponse response, jakarta.servlet.FilterChain chain)
                        throws jakarta.servlet.ServletException, IOException {
                    if (request.getRequestURI().startsWith("/api/guarded")) {
                        problems.write(request, response, Problems.of(ProblemType.UNAUTHENTICATED, "send a token"));
                        return;
                    }
                    if (request.getRequestURI().startsWith("/api/filter-bug")) {
                        throw new IllegalStateException("a filter failed");
                    }
                    chain.doFilter(request, response);
                }
            });
        }
    }

    @LocalServerPort
    int port;

    @Autowired
    JsonMapper json;

    private final HttpClient http = HttpClient.newHttpClient();

    private record Answer(int status, String contentType, JsonNode body) {}

    private Answer send(HttpRequest.Builder request) throws Exception {
        HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        return new Answer(response.statusCode(), response.headers().firstValue("Content-Type").orElse(""),
                response.body().isEmpty() ? null : json.readTree(response.body()));
    }

    private HttpRequest.Builder to(String path) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path));
    }

    private Answer post(String body) throws Exception {
        return send(to("/api/orders").header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)));
    }

    private static void assertProblem(Answer answer, int status, String type) {
        assertThat(answer.status()).as(String.valueOf(answer.body())).isEqualTo(status);
        assertThat(answer.contentType()).startsWith("application/problem+json");
        assertThat(answer.body().get("type").asString()).isEqualTo("urn:vfleet:problem:" + type);
        assertThat(answer.body().get("status").asInt()).isEqualTo(status);
        assertThat(answer.body().get("title").asString()).isNotBlank();
    }

    @Test
    void aWellFormedBodyBindsAsWritten() throws Exception {
        Answer answer = post("{\"tenant\":\"acme\",\"devices\":[\"a\"],\"selector\":{\"count\":2},\"withKvm\":true,\"limit\":5}");

        assertThat(answer.status()).isEqualTo(200);
        assertThat(answer.body().get("selector").get("count").asInt()).isEqualTo(2);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            an unknown field                 | {"tenant":"acme","withKVM":true}            | withKVM          | is not a field of this request; it has devices, limit, selector, tenant, withKvm
            an unknown nested field          | {"selector":{"count":1,"colour":"red"}}     | selector.colour  | is not a field of this request; it has count, vendorId
            a fraction for an integer        | {"selector":{"count":1.5}}                  | selector.count   | must be an integer
            a string for an integer          | {"selector":{"count":"2"}}                  | selector.count   | must be an integer
            a boolean for an integer         | {"selector":{"count":true}}                 | selector.count   | must be an integer
            an integer too large             | {"limit":123456789012345678901234567890}    | limit            | is out of range for an integer
            a string for a boolean           | {"withKvm":"yes"}                           | withKvm          | must be true or false
            an integer for a boolean         | {"withKvm":1}                               | withKvm          | must be true or false
            a number for a string            | {"tenant":5}                                | tenant           | must be a string
            a boolean for a string           | {"tenant":false}                            | tenant           | must be a string
            a string for an array            | {"devices":"0000:01:00.0"}                  | devices          | must be an array
            a number in an array of strings  | {"devices":["a",7]}                         | devices[1]       | must be a string
            an array for an object           | {"selector":[1]}                            | selector         | must be an object
            """)
    void aBodyThatDoesNotBindIsABadRequestNamingItsField(String what, String body, String field, String reason)
            throws Exception {
        Answer answer = post(body);

        assertProblem(answer, 400, "bad-request");
        assertThat(answer.body().get("errors").get(0).get("field").asString()).isEqualTo(field);
        assertThat(answer.body().get("errors").get(0).get("reason").asString()).isEqualTo(reason);
        assertThat(answer.body().get("detail").asString()).isEqualTo(field + " " + reason);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            a field given twice   | {"tenant":"a","tenant":"b"}
            text after the JSON   | {"tenant":"a"} {"tenant":"b"}
            JSON cut short        | {"tenant":
            """)
    void aBodyThatIsNotOneJsonDocumentIsABadRequest(String what, String body) throws Exception {
        Answer answer = post(body);

        assertProblem(answer, 400, "bad-request");
        assertThat(answer.body().get("errors").get(0).get("reason").asString()).startsWith("is not valid JSON here");
    }

    @Test
    void aMissingBodyIsABadRequestNamingTheBody() throws Exception {
        Answer answer = send(to("/api/orders").header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.noBody()));

        assertProblem(answer, 400, "bad-request");
        assertThat(answer.body().get("errors").get(0).get("field").asString()).isEqualTo("body");
    }

    @Test
    void aBodyOverTheLimitIsRefusedWhetherItsLengthIsDeclaredOrNot() throws Exception {
        String large = "{\"tenant\":\"" + "a".repeat(2_000) + "\"}";

        Answer declared = post(large);
        Answer chunked = send(to("/api/orders").header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofInputStream(
                        () -> new ByteArrayInputStream(large.getBytes(StandardCharsets.UTF_8)))));

        assertProblem(declared, 413, "payload-too-large");
        assertThat(declared.body().get("detail").asString()).contains("more than the 1024");
        assertProblem(chunked, 413, "payload-too-large");
    }

    @Test
    void aChunkedBodyWithinTheLimitIsReadWhole() throws Exception {
        String body = "{\"tenant\":\"" + "a".repeat(900) + "\"}";

        Answer answer = send(to("/api/orders").header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofInputStream(
                        () -> new ByteArrayInputStream(body.getBytes(StandardCharsets.UTF_8)))));

        assertThat(answer.status()).isEqualTo(200);
        assertThat(answer.body().get("tenant").asString()).hasSize(900);
    }

    @Test
    void anUnknownQueryParameterIsABadRequestNamingIt() throws Exception {
        Answer answer = send(to("/api/orders?tenat=acme&page=1").GET());

        assertProblem(answer, 400, "bad-request");
        assertThat(answer.body().get("errors").get(0).get("field").asString()).isEqualTo("tenat");
        assertThat(answer.body().get("errors").get(0).get("reason").asString())
                .isEqualTo("is not a parameter of this operation; it takes tenant, page");
        assertThat(send(to("/api/orders?tenant=acme&page=1").GET()).status()).isEqualTo(200);
    }

    @Test
    void aQueryParameterOfTheWrongFormIsABadRequestNamingIt() throws Exception {
        Answer answer = send(to("/api/orders?page=first").GET());

        assertProblem(answer, 400, "bad-request");
        assertThat(answer.body().get("errors").get(0).get("field").asString()).isEqualTo("page");
        assertThat(answer.body().get("errors").get(0).get("reason").asString()).isEqualTo("must be an integer, not 'first'");
    }

    @Test
    void theFrameworksOwnRefusalsAreProblemsOfTheVocabulary() throws Exception {
        assertProblem(send(to("/api/nothing-here").GET()), 404, "not-found");
        assertProblem(send(to("/nothing-here").GET()), 404, "not-found");
        assertProblem(send(to("/api/orders").DELETE()), 405, "method-not-allowed");
        assertProblem(send(to("/api/orders").header("Content-Type", "text/plain")
                .POST(HttpRequest.BodyPublishers.ofString("tenant=acme"))), 415, "unsupported-media-type");
        Answer notAcceptable = send(to("/api/orders").header("Accept", "text/csv").GET());
        assertThat(notAcceptable.status()).isEqualTo(406);
        assertThat(notAcceptable.contentType()).startsWith("application/problem+json");
        assertThat(notAcceptable.body().get("type").asString()).isEqualTo("urn:vfleet:problem:not-acceptable");
    }

    @Test
    void aFiltersRefusalAndAFiltersFailureAreProblemsToo() throws Exception {
        assertProblem(send(to("/api/guarded").GET()), 401, "unauthenticated");
        Answer failed = send(to("/api/filter-bug").GET());
        assertProblem(failed, 500, "internal-error");
        assertThat(failed.body().toString()).doesNotContain("a filter failed");
    }

    @Test
    void aBugIsA500ThatTellsTheCallerNothing() throws Exception {
        Answer answer = send(to("/api/broken").GET());

        assertProblem(answer, 500, "internal-error");
        assertThat(answer.body().toString()).doesNotContain("secret");
    }

    @Test
    void theApplicationsOwnMapperStaysAsConfiguredForWhatTheServiceStoredItself() {
        record Stored(String tenant) {}

        assertThat(json.readValue("{\"tenant\":\"acme\",\"dropped\":1}", Stored.class).tenant()).isEqualTo("acme");
    }

    @Test
    void everyTypeHasItsOwnStatusAndTheFrameworkStatusesMapToTheGeneralOnes() {
        assertThat(ProblemType.forStatus(409)).isEqualTo(ProblemType.CONFLICT);
        assertThat(ProblemType.forStatus(429)).isEqualTo(ProblemType.BAD_REQUEST);
        assertThat(ProblemType.forStatus(502)).isEqualTo(ProblemType.INTERNAL_ERROR);
        for (ProblemType type : ProblemType.values()) {
            assertThat(type.uri().toString()).startsWith(ProblemType.PREFIX);
        }
    }
}
