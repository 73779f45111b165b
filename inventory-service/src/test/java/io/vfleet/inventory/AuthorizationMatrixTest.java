package io.vfleet.inventory;

import io.grpc.ManagedChannel;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.vfleet.api.inventory.v1.HeartbeatRequest;
import io.vfleet.api.inventory.v1.InventoryGrpc;
import io.vfleet.inventory.support.InventoryTest;
import io.vfleet.security.Role;
import io.vfleet.security.grpc.GrpcAccess;
import io.vfleet.security.web.RestAccess;
import io.vfleet.testsupport.access.AccessMatrix;
import io.vfleet.testsupport.access.AccessMatrix.Operation;
import io.vfleet.testsupport.access.AccessMatrix.Outcome;
import io.vfleet.testsupport.access.AccessMatrix.Principal;
import io.vfleet.testsupport.access.GrpcDoor;
import io.vfleet.testsupport.committed.CommittedFile;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * Every operation of the inventory, from its descriptions (the committed OpenAPI document and the
 * {@code vfleet.inventory.v1.Inventory} service in the api-proto descriptor set), has a rule in the
 * access tables, and every kind of caller is let through or refused by the running service exactly as
 * the tables say, over HTTP and gRPC. The matrix is kept in docs/authorization/inventory-service.md.
 */
class AuthorizationMatrixTest extends InventoryTest {

    static final CommittedFile MATRIX = new CommittedFile(Path.of("../docs/authorization/inventory-service.md"),
            "./mvnw -B -pl inventory-service verify -Dtest=AuthorizationMatrixTest -Dvfleet.regenerate=true");

    static final List<Principal> CALLERS = List.of(
            Principal.anonymous(),
            Principal.unknownToken(),
            new Principal("orchestrator of acme", Role.ORCHESTRATOR, "orchestrator-token"),
            new Principal("orchestrator of globex", Role.ORCHESTRATOR, "globex-token"),
            new Principal("orchestrator", Role.ORCHESTRATOR, "fleet-orchestrator-token"),
            new Principal("operator", Role.OPERATOR, "operator-token"),
            new Principal("auditor", Role.AUDITOR, "auditor-token"),
            new Principal("agent of matrix-node", Role.AGENT, "agent-matrix-token"),
            new Principal("controller", Role.CONTROLLER, "controller-token"));

    @LocalServerPort
    int port;

    @Autowired
    RestAccess rest;

    @Autowired
    GrpcAccess grpc;

    final ManagedChannel channel = InProcessChannelBuilder.forName("inventory-test").build();
    final HttpClient http = HttpClient.newHttpClient();

    @AfterEach
    void close() throws InterruptedException {
        http.close();
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }

    @Test
    void everyOperationHasARuleAndTheServiceKeepsItForEveryCaller() throws Exception {
        AccessMatrix matrix = AccessMatrix.of("Authorization: inventory-service", CALLERS,
                Path.of("../docs/api/inventory-service.json"), rest, List.of("vfleet.inventory.v1.Inventory"), grpc);

        matrix.checkEach(this::call);

        MATRIX.check(matrix.markdown("""
                Who may call each operation of the inventory: its REST API (docs/api/inventory-service.json) and
                its gRPC service `vfleet.inventory.v1.Inventory`, as its access tables say and as
                `AuthorizationMatrixTest` checks against the running service. An agent is let through to
                `Register` and `Heartbeat`, which then take only its own node (the one its certificate, or
                in the local stack its token, names). Health probes are open; the Prometheus scrape and gRPC
                reflection are for operators and auditors."""));
    }

    private Outcome call(Operation operation, Principal caller) throws Exception {
        if (operation.kind() == Operation.Kind.GRPC) {
            // A heartbeat names a node; the agent's own, so that what answers is the door and not the node check.
            byte[] request = operation.path().equals(InventoryGrpc.getHeartbeatMethod().getFullMethodName())
                    ? HeartbeatRequest.newBuilder().setNodeName("matrix-node").build().toByteArray() : new byte[0];
            return GrpcDoor.knock(channel, operation.path(), caller.token(), request);
        }
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://localhost:" + port
                + AccessMatrix.samplePath(operation.path(), name -> "sample")))
                .method(operation.method(), HttpRequest.BodyPublishers.noBody());
        if (caller.token() != null) {
            request.header("Authorization", "Bearer " + caller.token());
        }
        return Outcome.ofHttpStatus(http.send(request.build(), HttpResponse.BodyHandlers.discarding()).statusCode());
    }
}
