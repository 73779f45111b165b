package io.vfleet.agent;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.vfleet.security.Role;
import io.vfleet.security.grpc.GrpcAccess;
import io.vfleet.testsupport.access.AccessMatrix;
import io.vfleet.testsupport.access.AccessMatrix.Principal;
import io.vfleet.testsupport.access.GrpcDoor;
import io.vfleet.testsupport.committed.CommittedFile;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.SpringApplication;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.env.Environment;

/**
 * Every method of the agent's services in the api-proto descriptor set ({@code vfleet.agent.v1} NodeAgent
 * and Syscalls) has a rule in its access table, and the running agent lets every kind of caller through
 * or refuses it exactly as the table says, over its gRPC port. The matrix is kept in
 * docs/authorization/iommufd-agent.md.
 */
class AuthorizationMatrixTest {

    static final CommittedFile MATRIX = new CommittedFile(Path.of("../../docs/authorization/iommufd-agent.md"),
            "./mvnw -B -pl iommufd-agent/server verify -Dtest=AuthorizationMatrixTest -Dvfleet.regenerate=true");

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

    @TempDir
    static Path state;
    private static ConfigurableApplicationContext agent;
    private static ManagedChannel channel;

    @BeforeAll
    static void start() throws Exception {
        List<String> arguments = new ArrayList<>(List.of("--topology=" + AgentApplicationTest.AgentHostsPath.shipped("gpu-server-8x"),
                "--state-dir=" + state, "--grpc-port=0", "--http-port=0",
                "--spring.grpc.server.address=127.0.0.1", "--spring.profiles.active=local"));
        int index = 0;
        for (Principal caller : CALLERS) {
            if (caller.role() == null) {
                continue;
            }
            String prefix = "--vfleet.security.tokens[" + index++ + "].";
            arguments.add(prefix + "token=" + caller.token());
            arguments.add(prefix + "role=" + caller.role().claimValue());
            if (caller.column().startsWith("orchestrator of ")) {
                arguments.add(prefix + "tenant=" + caller.column().substring("orchestrator of ".length()));
            }
            if (caller.role() == Role.AGENT) {
                arguments.add(prefix + "node=n1");
            }
        }
        agent = SpringApplication.run(AgentApplication.class, arguments.toArray(String[]::new));
        channel = ManagedChannelBuilder.forAddress("127.0.0.1",
                agent.getBean(Environment.class).getRequiredProperty("local.grpc.server.port", Integer.class)).usePlaintext().build();
    }

    @AfterAll
    static void stop() {
        if (channel != null) {
            channel.shutdownNow();
        }
        if (agent != null) {
            agent.close();
        }
    }

    @Test
    void everyMethodHasARuleAndTheAgentKeepsItForEveryCaller() throws Exception {
        AccessMatrix matrix = AccessMatrix.of("Authorization: iommufd-agent", CALLERS, null, null,
                List.of("vfleet.agent.v1.NodeAgent", "vfleet.agent.v1.Syscalls"), agent.getBean(GrpcAccess.class));

        matrix.checkEach((operation, caller) -> GrpcDoor.knock(channel, operation.path(), caller.token()));

        MATRIX.check(matrix.markdown("""
                Who may call each method of a node's agent: `vfleet.agent.v1.NodeAgent` and
                `vfleet.agent.v1.Syscalls`, as its access table says and as `AuthorizationMatrixTest` checks
                against the running agent. NodeAgent is the controller's alone (its certificate; in the local
                stack, its token). A VMM's system calls are opened by the credential the agent issued at
                Prepare for that assignment, which reaches that assignment's processes and devices alone
                (`AgentAuthorizationTest`), and by an operator, who reaches every process as root on the
                host does. Health is open for probes; gRPC reflection is for operators and auditors."""));
    }
}
