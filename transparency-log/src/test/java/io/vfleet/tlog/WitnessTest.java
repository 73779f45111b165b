package io.vfleet.tlog;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WitnessTest {

    static final String ORIGIN = "vfleet.test/audit";

    /** A log in memory: leaves appended, checkpoints signed, proofs served, and tampering on demand. */
    static final class Log implements Witness.Log {
        final NoteSigner key;
        MerkleTreeTest.Stored tree = new MerkleTreeTest.Stored();
        String latest;

        Log(NoteSigner key) {
            this.key = key;
        }

        Log append(int count) {
            for (int n = 0; n < count; n++) {
                tree.append(MerkleTreeTest.leaf((int) tree.frontier.size()));
            }
            return this;
        }

        /** The same log rebuilt with leaf {@code index} replaced: every hash from it on is recomputed. */
        Log rewrite(int index) {
            MerkleTreeTest.Stored rebuilt = new MerkleTreeTest.Stored();
            for (int n = 0; n < tree.frontier.size(); n++) {
                rebuilt.append(n == index ? MerkleTree.leafHash("forged".getBytes(StandardCharsets.UTF_8)) : MerkleTreeTest.leaf(n));
            }
            tree = rebuilt;
            return this;
        }

        String checkpoint() {
            latest = new Checkpoint(ORIGIN, tree.frontier.size(), tree.frontier.root()).sign(key);
            return latest;
        }

        @Override
        public String latestCheckpoint() {
            return latest == null ? checkpoint() : latest;
        }

        @Override
        public List<Hash> consistencyProof(long older, long newer) {
            return Proofs.consistency(older, newer, tree);
        }
    }

    final NoteSigner key = NoteSigner.generate(ORIGIN);

    @TempDir
    Path directory;

    Witness witness() {
        return new Witness(ORIGIN, List.of(key.verifier()), directory.resolve("witness.checkpoint"));
    }

    @Test
    void theFirstCheckpointIsKeptAndConsistentExtensionsReplaceIt() throws IOException {
        Log log = new Log(key).append(5);
        Witness witness = witness();

        assertThat(witness.observe(log.checkpoint(), log).outcome()).isEqualTo(Witness.Outcome.FIRST);
        assertThat(witness.observe(log.checkpoint(), log).outcome()).isEqualTo(Witness.Outcome.UNCHANGED);
        assertThat(witness.observe(log.append(17).checkpoint(), log).outcome()).isEqualTo(Witness.Outcome.EXTENDED);
        assertThat(witness().last().orElseThrow().size()).isEqualTo(22);
    }

    @Test
    void aLogThatLostItsTailIsRefused() throws IOException {
        Log log = new Log(key).append(20);
        Witness witness = witness();
        witness.observe(log.checkpoint(), log);
        Log truncated = new Log(key).append(12);

        Witness.Verdict verdict = witness.observe(truncated.checkpoint(), truncated);

        assertThat(verdict.outcome()).isEqualTo(Witness.Outcome.REFUSED_SMALLER);
        assertThat(verdict.explanation()).contains("12").contains("20");
        assertThat(witness.last().orElseThrow().size()).isEqualTo(20);
    }

    @Test
    void aRewrittenLogSignedWithTheRightKeyIsRefused() throws IOException {
        Log log = new Log(key).append(20);
        Witness witness = witness();
        witness.observe(log.checkpoint(), log);

        assertThat(witness.observe(log.rewrite(3).checkpoint(), log).outcome()).isEqualTo(Witness.Outcome.REFUSED_FORK);
        assertThat(witness.observe(log.append(5).checkpoint(), log).outcome()).isEqualTo(Witness.Outcome.REFUSED_INCONSISTENT);
        assertThat(witness.last().orElseThrow().root()).isEqualTo(new Log(key).append(20).tree.frontier.root());
    }

    @Test
    void aCheckpointOfAnotherKeyOrLogIsRefused() throws IOException {
        Log log = new Log(key).append(4);
        Witness witness = witness();
        witness.observe(log.checkpoint(), log);
        Log impostor = new Log(NoteSigner.generate(ORIGIN)).append(9);
        Log elsewhere = new Log(key).append(9);
        String otherOrigin = new Checkpoint("vfleet.test/elsewhere", 9, elsewhere.tree.frontier.root()).sign(key);
        String edited = log.append(5).checkpoint().replaceFirst("\n9\n", "\n10\n");

        assertThat(witness.observe(impostor.checkpoint(), impostor).outcome()).isEqualTo(Witness.Outcome.REFUSED_SIGNATURE);
        assertThat(witness.observe(otherOrigin, elsewhere).outcome()).isEqualTo(Witness.Outcome.REFUSED_ORIGIN);
        assertThat(witness.observe(edited, log).outcome()).isEqualTo(Witness.Outcome.REFUSED_SIGNATURE);
        assertThat(witness.last().orElseThrow().size()).isEqualTo(4);
    }

    @Test
    void theCommandWitnessesALogOverHttpAndExitsOneOnARefusal() throws IOException {
        Log log = new Log(key).append(10);
        HttpServer server = serve(log, "s3cret");
        try {
            Path keys = Files.writeString(directory.resolve("keys"), "# the log's key\n" + key.verifier().encoded() + "\n");
            Path token = Files.writeString(directory.resolve("token"), "s3cret\n");
            String[] arguments = {"witness", "--log", "http://127.0.0.1:" + server.getAddress().getPort() + "/api/v1/audit",
                    "--verifier-keys", keys.toString(), "--state", directory.resolve("state").toString(),
                    "--token-file", token.toString()};

            assertThat(run(arguments)).startsWith("0 FIRST");
            log.append(3).checkpoint();
            assertThat(run(arguments)).startsWith("0 EXTENDED");
            log.rewrite(1).append(1).checkpoint();
            assertThat(run(arguments)).startsWith("1 REFUSED_INCONSISTENT");
            Files.writeString(token, "wrong\n");
            assertThat(run(arguments)).startsWith("2 ").contains("401");
        } finally {
            server.stop(0);
        }
    }

    @Test
    void theCommandGeneratesAKeyPairAndNeverOverwritesOne() throws IOException {
        String[] arguments = {"generate-key", "--name", ORIGIN, "--signer-key", directory.resolve("signer").toString(),
                "--verifier-key", directory.resolve("verifier").toString()};

        assertThat(run(arguments)).startsWith("0 " + ORIGIN + "+");
        NoteSigner signer = NoteSigner.parse(Files.readString(directory.resolve("signer")));
        assertThat(NoteVerifier.parse(Files.readString(directory.resolve("verifier")))).isEqualTo(signer.verifier());
        assertThat(Files.getPosixFilePermissions(directory.resolve("signer")).toString()).isEqualTo("[OWNER_READ, OWNER_WRITE]");
        assertThat(run(arguments)).startsWith("2 ").contains("never overwritten");
    }

    /** The exit code, a space, and what the command printed. */
    static String run(String[] arguments) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit = WitnessCommand.run(arguments, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return exit + " " + out.toString(StandardCharsets.UTF_8) + err.toString(StandardCharsets.UTF_8);
    }

    /** The two plain-text resources a witness reads, behind a bearer token, as the assignment service serves them. */
    static HttpServer serve(Log log, String token) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getByAddress(new byte[] {127, 0, 0, 1}), 0), 0);
        server.createContext("/api/v1/audit/", exchange -> {
            String body;
            int status = 200;
            if (!("Bearer " + token).equals(exchange.getRequestHeaders().getFirst("Authorization"))) {
                status = 401;
                body = "unauthenticated";
            } else if (exchange.getRequestURI().getPath().endsWith("/checkpoints/latest")) {
                body = log.latestCheckpoint();
            } else {
                Map<String, Long> query = java.util.Arrays.stream(exchange.getRequestURI().getQuery().split("&"))
                        .map(pair -> pair.split("=")).collect(Collectors.toMap(pair -> pair[0], pair -> Long.parseLong(pair[1])));
                body = log.consistencyProof(query.get("from"), query.get("to")).stream()
                        .map(hash -> hash.base64() + "\n").collect(Collectors.joining());
            }
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
            exchange.getResponseBody().write(bytes);
            exchange.close();
        });
        server.start();
        return server;
    }
}
