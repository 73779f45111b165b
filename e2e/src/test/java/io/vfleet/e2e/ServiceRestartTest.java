package io.vfleet.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.vfleet.stack.EmbeddedDatabase;
import io.vfleet.stack.Stack;
import io.vfleet.tlog.NoteSigner;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The central services as real processes across crashes: the assignment service killed with
 * SIGKILL and started again, PostgreSQL restarted while requests keep coming. What a service
 * acknowledged must be there afterwards, and the audit chain must verify.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ServiceRestartTest {
    private Stack stack;
    private Rest operator;
    private Rest auditor;

    @BeforeAll
    void startStack() {
        stack = StackUnderTest.start(ServiceRestartTest.class);
        operator = new Rest(stack.assignmentUrl(), stack.tokens().operator());
        auditor = new Rest(stack.assignmentUrl(), stack.tokens().auditor());
    }

    @AfterAll
    void stopStack() {
        if (stack != null) {
            stack.close();
        }
    }

    private static String policy(int maxDevices) {
        return "{\"maxDevices\":" + maxDevices + ",\"maxPinnedBytes\":1073741824,\"noiommuAllowed\":false}";
    }

    private void assertAuditChainIntact() {
        Rest.Response verification = auditor.get("/api/v1/audit/verify");
        assertThat(verification.status()).isEqualTo(200);
        assertThat(verification.body().get("intact").asBoolean()).as(verification.body().toString()).isTrue();
    }

    @Test
    void onlyTheDemoTokensGetInAndTheStackWritesThemForTheOwnerOnly() throws Exception {
        assertThat(new Rest(stack.assignmentUrl(), null).get("/api/v1/assignments").status()).isEqualTo(401);
        assertThat(new Rest(stack.assignmentUrl(), "vf-orchestrator-guessed").get("/api/v1/assignments").status()).isEqualTo(401);
        assertThat(new Rest(stack.assignmentUrl(), stack.tokens().orchestrator()).get("/api/v1/assignments").status()).isEqualTo(200);
        assertThat(auditor.put("/api/v1/tenants/not-an-operator", policy(1)).status()).isEqualTo(403);

        assertThat(Files.getPosixFilePermissions(stack.environmentFile()))
                .containsExactlyInAnyOrder(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);
        assertThat(Files.readString(stack.environmentFile()))
                .contains("VFLEET_ASSIGNMENT_URL='" + stack.assignmentUrl() + "'")
                .contains("VFLEET_TOKEN_OPERATOR='" + stack.tokens().operator() + "'")
                .doesNotContain(stack.tokens().controller());
    }

    /** The witness jar as an operator runs it from cron; its exit code, a space, and what it printed. */
    private String witness(Path directory) throws Exception {
        Process process = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar",
                System.getProperty("vfleet.e2e.witness-jar"), "witness",
                "--log", stack.assignmentUrl() + "/api/v1/audit",
                "--verifier-keys", directory.resolve("verifier-keys").toString(),
                "--state", directory.resolve("witness.checkpoint").toString(),
                "--token-file", directory.resolve("auditor.token").toString())
                .redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return process.exitValue() + " " + output;
    }

    @Test
    void aWitnessFollowsTheAuditLogsCheckpointsAcrossAKilledService() throws Exception {
        Path directory = Files.createTempDirectory(stack.settings().stateDirectory(), "witness");
        NoteSigner key = NoteSigner.parse(Files.readString(
                stack.settings().stateDirectory().resolve("assignment-service").resolve("audit-signing.key")));
        Files.writeString(directory.resolve("verifier-keys"), key.verifier().encoded() + "\n");
        Files.writeString(directory.resolve("auditor.token"), stack.tokens().auditor());
        assertThat(operator.put("/api/v1/tenants/witnessed-1", policy(1)).status()).isEqualTo(200);
        assertThat(auditor.post("/api/v1/audit/checkpoints", "").status()).isEqualTo(201);

        assertThat(witness(directory)).startsWith("0 FIRST");

        stack.assignment().kill();
        stack.assignment().start();
        assertThat(operator.put("/api/v1/tenants/witnessed-2", policy(2)).status()).isEqualTo(200);
        assertThat(auditor.post("/api/v1/audit/checkpoints", "").status()).isEqualTo(201);

        assertThat(witness(directory)).startsWith("0 EXTENDED");
        assertThat(Files.readString(directory.resolve("witness.checkpoint")))
                .isEqualTo(Files.readString(stack.settings().stateDirectory().resolve("audit-checkpoints/latest.checkpoint")));
        assertAuditChainIntact();
    }

    @Test
    void theAssignmentServiceKilledAndStartedAgainKeepsWhatItAcknowledged() {
        for (int index = 0; index < 5; index++) {
            assertThat(operator.put("/api/v1/tenants/crash-" + index, policy(index + 1)).status()).isEqualTo(200);
        }

        stack.assignment().kill();
        stack.assignment().start();

        for (int index = 0; index < 5; index++) {
            Rest.Response tenant = operator.get("/api/v1/tenants/crash-" + index);
            assertThat(tenant.status()).isEqualTo(200);
            assertThat(tenant.body().get("maxDevices").asInt()).isEqualTo(index + 1);
        }
        assertAuditChainIntact();
    }

    @Test
    void postgresqlRestartedUnderLoadLosesNoAcknowledgedWriteAndTheServiceRecovers() throws Exception {
        EmbeddedDatabase database = (EmbeddedDatabase) stack.database();
        Map<String, Integer> acknowledged = new ConcurrentHashMap<>();
        AtomicInteger refused = new AtomicInteger();
        AtomicInteger acknowledgedAfterRestart = new AtomicInteger();
        AtomicBoolean restarted = new AtomicBoolean();
        AtomicBoolean stop = new AtomicBoolean();
        ExecutorService load = Executors.newFixedThreadPool(4);
        List<Future<?>> writers = new ArrayList<>();
        for (int writer = 0; writer < 4; writer++) {
            int id = writer;
            writers.add(load.submit(() -> {
                // Bounded: at most 2,000 requests per writer, and it stops when told.
                for (int request = 0; request < 2_000 && !stop.get(); request++) {
                    String tenant = "load-" + id + "-" + request;
                    try {
                        if (operator.put("/api/v1/tenants/" + tenant, policy(request % 50)).status() == 200) {
                            acknowledged.put(tenant, request % 50);
                            if (restarted.get()) {
                                acknowledgedAfterRestart.incrementAndGet();
                            }
                        } else {
                            refused.incrementAndGet();
                        }
                    } catch (Rest.ServiceUnreachable e) {
                        refused.incrementAndGet();
                    }
                }
            }));
        }
        try {
            await().atMost(Duration.ofSeconds(60)).until(() -> acknowledged.size() >= 20);
            database.restart();
            restarted.set(true);
            await().atMost(Duration.ofSeconds(90)).until(() -> acknowledgedAfterRestart.get() >= 20);
        } finally {
            stop.set(true);
            for (Future<?> writer : writers) {
                writer.get();
            }
            load.shutdown();
        }

        Set<String> tenants = acknowledged.keySet();
        for (String tenant : tenants) {
            Rest.Response answer = operator.get("/api/v1/tenants/" + tenant);
            assertThat(answer.status()).as(tenant).isEqualTo(200);
            assertThat(answer.body().get("maxDevices").asInt()).as(tenant).isEqualTo(acknowledged.get(tenant));
        }
        assertAuditChainIntact();
    }
}
