package io.vfleet.inventory.adapter.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.vfleet.inventory.support.InventoryTest;
import io.vfleet.testsupport.committed.CommittedFile;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * The OpenAPI document kept in the repository (docs/api/inventory-service.json, which the build lints
 * with Redocly) is the one the running service serves: a change to the API changes it, in the same commit.
 */
class OpenApiDocumentTest extends InventoryTest {

    static final CommittedFile DOCUMENT = new CommittedFile(Path.of("../docs/api/inventory-service.json"),
            "./mvnw -B -pl inventory-service verify -Dtest=OpenApiDocumentTest -Dvfleet.regenerate=true");

    @LocalServerPort
    int port;

    @Test
    void theCommittedDocumentIsTheOneTheServiceServes() throws Exception {
        HttpResponse<String> served;
        try (HttpClient http = HttpClient.newHttpClient()) {
            served = http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/v3/api-docs")).build(),
                    HttpResponse.BodyHandlers.ofString());
        }
        assertThat(served.statusCode()).isEqualTo(200);

        DOCUMENT.check(served.body());
    }
}
