package io.vfleet.assignment.adapter.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.vfleet.assignment.support.ServiceTest;
import io.vfleet.testsupport.committed.CommittedFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.web.servlet.assertj.MockMvcTester;
import org.springframework.test.web.servlet.assertj.MvcTestResult;

/**
 * The OpenAPI document kept in the repository (docs/api/assignment-service.json, which the build lints
 * with Redocly) is the one the service serves: a change to the API changes it, in the same commit.
 */
@ServiceTest
class OpenApiDocumentTest {

    static final CommittedFile DOCUMENT = new CommittedFile(Path.of("../docs/api/assignment-service.json"),
            "./mvnw -B -pl assignment-service verify -Dtest=OpenApiDocumentTest -Dvfleet.regenerate=true");

    @Autowired
    MockMvcTester mvc;

    @Test
    void theCommittedDocumentIsTheOneTheServiceServes() throws Exception {
        MvcTestResult served = mvc.get().uri("/v3/api-docs").exchange();
        assertThat(served).hasStatusOk();

        DOCUMENT.check(served.getResponse().getContentAsString(StandardCharsets.UTF_8));
    }
}
