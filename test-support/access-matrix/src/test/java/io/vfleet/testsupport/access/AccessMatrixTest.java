package io.vfleet.testsupport.access;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vfleet.security.Role;
import io.vfleet.security.grpc.GrpcAccess;
import io.vfleet.security.web.RestAccess;
import io.vfleet.testsupport.access.AccessMatrix.Outcome;
import io.vfleet.testsupport.access.AccessMatrix.Principal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.http.HttpMethod;

class AccessMatrixTest {

    static final List<Principal> CALLERS = List.of(Principal.anonymous(),
            new Principal("operator", Role.OPERATOR, "operator-token"),
            new Principal("auditor", Role.AUDITOR, "auditor-token"));

    static final String DOCUMENT = """
            {"openapi": "3.1.0", "paths": {
              "/api/v1/nodes/{name}": {"get": {"operationId": "getNode"}, "delete": {"operationId": "removeNode"}},
              "/v3/api-docs": {"get": {"operationId": "description"}}}}
            """;

    @Test
    void anOperationWithoutARuleFailsTheMatrixNamingIt(@TempDir Path directory) throws Exception {
        Path document = Files.writeString(directory.resolve("openapi.json"), DOCUMENT);
        RestAccess rest = new RestAccess().open("/v3/api-docs")
                .allow(HttpMethod.GET, "/api/v1/nodes/{name}", Role.OPERATOR, Role.AUDITOR);
        GrpcAccess grpc = new GrpcAccess().allow("vfleet.inventory.v1.Inventory/Register", Role.AGENT);

        assertThatThrownBy(() -> AccessMatrix.of("inventory", CALLERS, document, rest, List.of("vfleet.inventory.v1.Inventory"), grpc))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("DELETE /api/v1/nodes/{name}")
                .hasMessageContaining("vfleet.inventory.v1.Inventory/Heartbeat")
                .hasMessageContaining("vfleet.inventory.v1.Inventory/ListAndWatch")
                .message().doesNotContain("GET /api/v1/nodes/{name}").doesNotContain("Inventory/Register");
    }

    @Test
    void eachCellIsWhatTheTablesSay(@TempDir Path directory) throws Exception {
        Path document = Files.writeString(directory.resolve("openapi.json"), DOCUMENT);
        RestAccess rest = new RestAccess().open("/v3/api-docs")
                .allow(HttpMethod.GET, "/api/v1/nodes/{name}", Role.OPERATOR, Role.AUDITOR)
                .allow(null, "/api/v1/**", Role.OPERATOR);

        AccessMatrix matrix = AccessMatrix.of("inventory", CALLERS, document, rest, List.of(), new GrpcAccess());

        assertThat(matrix.cells()).extracting(cell -> cell.operation().title() + " " + cell.principal().column() + " " + cell.expected())
                .containsExactly(
                        "GET /api/v1/nodes/{name} anonymous UNAUTHENTICATED",
                        "GET /api/v1/nodes/{name} operator ALLOWED",
                        "GET /api/v1/nodes/{name} auditor ALLOWED",
                        "DELETE /api/v1/nodes/{name} anonymous UNAUTHENTICATED",
                        "DELETE /api/v1/nodes/{name} operator ALLOWED",
                        "DELETE /api/v1/nodes/{name} auditor FORBIDDEN",
                        "GET /v3/api-docs anonymous ALLOWED",
                        "GET /v3/api-docs operator ALLOWED",
                        "GET /v3/api-docs auditor ALLOWED");
        assertThat(matrix.markdown("Who may call what.")).contains(
                "| operation | anonymous | operator | auditor |",
                "| `DELETE /api/v1/nodes/{name}` (removeNode) | 401 | ✅ | 403 |");
    }

    @Test
    void aCellTheServiceAnswersOtherwiseFailsTheCheck(@TempDir Path directory) throws Exception {
        AccessMatrix matrix = AccessMatrix.of("agent", CALLERS, null, null, List.of("vfleet.agent.v1.NodeAgent"),
                new GrpcAccess().allow("vfleet.agent.v1.NodeAgent/GetTopology", Role.CONTROLLER)
                        .allow("vfleet.agent.v1.NodeAgent/Prepare", Role.CONTROLLER)
                        .allow("vfleet.agent.v1.NodeAgent/Release", Role.CONTROLLER)
                        .allow("vfleet.agent.v1.NodeAgent/HotReset", Role.CONTROLLER)
                        .allow("vfleet.agent.v1.NodeAgent/ListPrepared", Role.CONTROLLER));

        // A door that lets the operator through to Release.
        assertThatThrownBy(() -> matrix.checkEach((operation, caller) -> caller.role() == null ? Outcome.UNAUTHENTICATED
                : caller.role() == Role.OPERATOR && operation.path().endsWith("/Release") ? Outcome.ALLOWED : Outcome.FORBIDDEN))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("1 of 15 cells differ")
                .hasMessageContaining("vfleet.agent.v1.NodeAgent/Release as operator: expected 403 / PERMISSION_DENIED, answered allowed");
    }
}
