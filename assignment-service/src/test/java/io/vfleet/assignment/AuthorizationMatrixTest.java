package io.vfleet.assignment;

import io.grpc.ManagedChannel;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.vfleet.assignment.support.ServiceTest;
import io.vfleet.assignment.support.ServiceTestBase;
import io.vfleet.security.Role;
import io.vfleet.security.grpc.GrpcAccess;
import io.vfleet.security.web.RestAccess;
import io.vfleet.testsupport.access.AccessMatrix;
import io.vfleet.testsupport.access.AccessMatrix.Operation;
import io.vfleet.testsupport.access.AccessMatrix.Outcome;
import io.vfleet.testsupport.access.AccessMatrix.Principal;
import io.vfleet.testsupport.access.GrpcDoor;
import io.vfleet.testsupport.committed.CommittedFile;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.HttpMethod;
import org.springframework.http.MediaType;
import org.springframework.test.web.servlet.assertj.MockMvcTester;

/**
 * Every operation of the service, from its descriptions (the committed OpenAPI document and the
 * {@code vfleet.assignment.v1.Assignments} service in the api-proto descriptor set), has a rule in the
 * access tables, and every kind of caller is let through or refused by the running service exactly as
 * the tables say, over REST and gRPC. The matrix is kept in docs/authorization/assignment-service.md.
 */
@ServiceTest
class AuthorizationMatrixTest extends ServiceTestBase {

    static final CommittedFile MATRIX = new CommittedFile(Path.of("../docs/authorization/assignment-service.md"),
            "./mvnw -B -pl assignment-service verify -Dtest=AuthorizationMatrixTest -Dvfleet.regenerate=true");

    static final List<Principal> CALLERS = List.of(
            Principal.anonymous(),
            Principal.unknownToken(),
            new Principal("orchestrator of acme", Role.ORCHESTRATOR, "acme-token"),
            new Principal("orchestrator of globex", Role.ORCHESTRATOR, "globex-token"),
            new Principal("orchestrator", Role.ORCHESTRATOR, "orchestrator-token"),
            new Principal("operator", Role.OPERATOR, "operator-token"),
            new Principal("auditor", Role.AUDITOR, "auditor-token"),
            new Principal("agent of n1", Role.AGENT, "agent-n1-token"),
            new Principal("controller", Role.CONTROLLER, "controller-token"));

    /** Query strings that keep a let-through call short: a watch refused as bad input rather than streaming. */
    static final Map<String, String> QUERIES = Map.of("/api/v1/assignments/watch", "?resumeAfter=-1");

    @Autowired
    MockMvcTester mvc;

    @Autowired
    RestAccess rest;

    @Autowired
    GrpcAccess grpc;

    final ManagedChannel channel = InProcessChannelBuilder.forName(ServiceTest.GRPC_IN_PROCESS).build();

    @AfterEach
    void close() throws InterruptedException {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }

    @Test
    void everyOperationHasARuleAndTheServiceKeepsItForEveryCaller() throws Exception {
        AccessMatrix matrix = AccessMatrix.of("Authorization: assignment-service", CALLERS,
                Path.of("../docs/api/assignment-service.json"), rest, List.of("vfleet.assignment.v1.Assignments"), grpc);

        matrix.checkEach(this::call);

        MATRIX.check(matrix.markdown("""
                Who may call each operation of the assignment service: its REST API (docs/api/assignment-service.json)
                and its gRPC service `vfleet.assignment.v1.Assignments`, as its access tables say and as
                `AuthorizationMatrixTest` checks against the running service. A tenant's orchestrator is let
                through to the same operations as any orchestrator; the operations then show it its own
                tenant's things only, and answer "not found" for another's. Health probes are open; the
                Prometheus scrape and gRPC reflection are for operators and auditors."""));
    }

    private Outcome call(Operation operation, Principal caller) throws Exception {
        if (operation.kind() == Operation.Kind.GRPC) {
            return GrpcDoor.knock(channel, operation.path(), caller.token());
        }
        String path = AccessMatrix.samplePath(operation.path(), name -> name.equals("size") ? "1" : "sample")
                + QUERIES.getOrDefault(operation.path(), "");
        var request = mvc.method(HttpMethod.valueOf(operation.method())).uri(path);
        if (caller.token() != null) {
            request = request.header("Authorization", "Bearer " + caller.token());
        }
        if (operation.method().equals("POST") || operation.method().equals("PUT")) {
            request = request.contentType(MediaType.APPLICATION_JSON).content("{}");
        }
        return Outcome.ofHttpStatus(request.exchange().getResponse().getStatus());
    }
}
