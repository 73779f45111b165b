package io.vfleet.assignment.adapter.web;

import static org.assertj.core.api.Assertions.assertThat;

import com.jayway.jsonpath.JsonPath;
import io.vfleet.assignment.domain.AuditEvent;
import io.vfleet.assignment.support.AssignmentDatabase;
import io.vfleet.assignment.support.ServiceTest;
import io.vfleet.assignment.support.ServiceTestBase;
import io.vfleet.tlog.Checkpoint;
import io.vfleet.tlog.Frontier;
import io.vfleet.tlog.Hash;
import io.vfleet.tlog.MerkleTree;
import io.vfleet.tlog.NoteSigner;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.web.servlet.assertj.MockMvcTester;
import org.springframework.test.web.servlet.assertj.MvcTestResult;

/**
 * Someone with the database's highest rights changes the audit log after a checkpoint was signed and
 * kept outside the database; verifying the log says what they did, and where.
 */
@ServiceTest
class AuditTamperingTest extends ServiceTestBase {

    @Autowired
    MockMvcTester mvc;

    /** The attacker: the superuser, triggers off (the schema's owner can do as much by disabling them). */
    final JdbcTemplate attacker = new JdbcTemplate(AssignmentDatabase.superuser());

    String checkpoint;

    /** Twelve events, the checkpoint of all twelve signed and kept in the directory and the database. */
    @BeforeEach
    void twelveEventsAndTheirCheckpoint() throws Exception {
        for (int event = 1; event <= 12; event++) {
            assertThat(mvc.put().uri("/api/v1/tenants/tenant-" + event).header("Authorization", "Bearer operator-token")
                    .contentType(MediaType.APPLICATION_JSON)
                    .content("{\"maxDevices\":" + event + ",\"maxPinnedBytes\":0,\"noiommuAllowed\":false}"))
                    .hasStatusOk();
        }
        MvcTestResult signed = mvc.post().uri("/api/v1/audit/checkpoints").header("Authorization", "Bearer auditor-token")
                .exchange();
        assertThat(signed).hasStatus(HttpStatus.CREATED);
        checkpoint = signed.getResponse().getContentAsString(StandardCharsets.UTF_8);
        assertThat(checkpoint).contains("\n12\n");
        assertThat(verify()).bodyJson().extractingPath("$.intact").isEqualTo(true);
    }

    MvcTestResult verify() {
        return mvc.get().uri("/api/v1/audit/verify").header("Authorization", "Bearer auditor-token").exchange();
    }

    MvcTestResult verifyAgainst(String note) {
        return mvc.post().uri("/api/v1/audit/verify").header("Authorization", "Bearer auditor-token")
                .contentType(MediaType.TEXT_PLAIN).content(note).exchange();
    }

    void tamper(String... statements) {
        attacker.execute("set session_replication_role = replica; " + String.join("; ", statements)
                + "; set session_replication_role = origin");
    }

    static void assertProblem(MvcTestResult verification, String problem, long sequence, String mentioning) {
        assertThat(verification).hasStatusOk();
        assertThat(verification).bodyJson().extractingPath("$.intact").isEqualTo(false);
        assertThat(verification).bodyJson().extractingPath("$.firstBroken.problem").isEqualTo(problem);
        assertThat(verification).bodyJson().extractingPath("$.firstBroken.sequence").isEqualTo((int) sequence);
        assertThat(verification).bodyJson().extractingPath("$.firstBroken.reason").asString().contains(mentioning);
    }

    @Test
    void anEditedEventIsNamed() {
        tamper("update assignment.audit_events set tenant = 'mallory' where id = "
                + "(select event_id from assignment.audit_log where sequence = 8)");

        MvcTestResult verification = verify();

        assertProblem(verification, "REWRITTEN_EVENT", 8, "event 8");
        assertThat(verification).bodyJson().extractingPath("$.checked").isEqualTo(7);
    }

    @Test
    void aDeletedTailIsNamed() {
        tamper("delete from assignment.audit_checkpoints",
                "delete from assignment.audit_tree where ((index + 1) << level) > 9",
                "delete from assignment.audit_log where sequence > 9");

        MvcTestResult verification = verify();

        assertProblem(verification, "TRUNCATED", 10, "events 10 to 12 were removed");
        assertThat(verification).bodyJson().extractingPath("$.size").isEqualTo(9);
        assertThat(verification).bodyJson().extractingPath("$.firstBroken.reason").asString()
                .contains(Path.of(ServiceTest.AUDIT, "checkpoints").toAbsolutePath().toString());
    }

    @Test
    void aTruncatedTableIsNamedEvenWhenItsOwnerDidIt() {
        JdbcTemplate owner = new JdbcTemplate(AssignmentDatabase.owner());
        for (String table : List.of("audit_checkpoints", "audit_tree", "audit_log", "audit_events")) {
            owner.execute("alter table assignment." + table + " disable trigger user");
        }
        try {
            owner.execute("truncate assignment.audit_checkpoints, assignment.audit_tree, assignment.audit_log, assignment.audit_events");
        } finally {
            for (String table : List.of("audit_checkpoints", "audit_tree", "audit_log", "audit_events")) {
                owner.execute("alter table assignment." + table + " enable trigger user");
            }
        }

        MvcTestResult verification = verify();

        assertProblem(verification, "TRUNCATED", 1, "covers 12 events, the log has 0");
        assertThat(verification).bodyJson().extractingPath("$.checked").isEqualTo(0);
    }

    @Test
    void aMissingEventIsNamed() {
        tamper("delete from assignment.audit_log where sequence = 5");

        assertProblem(verify(), "MISSING_EVENT", 5, "event 5 is missing");
    }

    @Test
    void aLogRehashedFromTheStartWithoutTheKeyIsNamed() throws Exception {
        rewriteAndRehash(3);

        assertProblem(verify(), "REHASHED", 1, "checkpoint of 12 events");

        // Covering their tracks: the database's checkpoints replaced by one signed with a key of their own.
        NoteSigner theirs = NoteSigner.generate(origin());
        tamper("delete from assignment.audit_checkpoints");
        keepInTheDatabase(theirs, 12);

        assertProblem(verify(), "FORGED_CHECKPOINT", 0, "no signature of a trusted key");
    }

    @Test
    void aLogRehashedFromTheStartWithTheKeyIsNamedByTheCheckpointKeptOutsideTheDatabase() throws Exception {
        rewriteAndRehash(3);
        NoteSigner stolen = NoteSigner.parse(Files.readString(Path.of(ServiceTest.AUDIT, "signing.key")));
        tamper("delete from assignment.audit_checkpoints");
        keepInTheDatabase(stolen, 12);

        MvcTestResult verification = verify();

        assertProblem(verification, "REHASHED", 1, "the latest checkpoint in");
        // Nor does the service sign the rewritten log: it is no extension of what it signed.
        assertThat(mvc.post().uri("/api/v1/audit/checkpoints").header("Authorization", "Bearer operator-token"))
                .hasStatus(HttpStatus.CONFLICT).bodyJson().extractingPath("$.detail").asString()
                .contains("not the tree signed");
    }

    @Test
    void aForgedCheckpointIsNamed() throws Exception {
        NoteSigner other = NoteSigner.generate(origin());
        Checkpoint genuine = Checkpoint.parse(io.vfleet.tlog.Note.parse(checkpoint).text());
        String otherKey = genuine.sign(other);
        String resized = checkpoint.replaceFirst("\n12\n", "\n11\n");
        String reRooted = checkpoint.replace(genuine.root().base64(), MerkleTree.emptyRoot().base64());
        int signatureAt = checkpoint.indexOf("— ") + 2 + origin().length() + 1;
        String badSignature = checkpoint.substring(0, signatureAt + 10)
                + (checkpoint.charAt(signatureAt + 10) == 'A' ? 'B' : 'A') + checkpoint.substring(signatureAt + 11);

        assertProblem(verifyAgainst(otherKey), "FORGED_CHECKPOINT", 0, "no signature of a trusted key");
        assertProblem(verifyAgainst(resized), "FORGED_CHECKPOINT", 0, "does not verify");
        assertProblem(verifyAgainst(reRooted), "FORGED_CHECKPOINT", 0, "does not verify");
        assertProblem(verifyAgainst(badSignature), "FORGED_CHECKPOINT", 0, "does not verify");
        assertThat(verifyAgainst(checkpoint)).bodyJson().extractingPath("$.intact").isEqualTo(true);
        assertThat(verifyAgainst("not a note")).hasStatus(HttpStatus.BAD_REQUEST)
                .bodyJson().extractingPath("$.errors[0].field").isEqualTo("checkpoint");
    }

    @Test
    void aCheckpointOfTheRightKeyForAnotherTreeIsNamed() throws Exception {
        NoteSigner key = NoteSigner.parse(Files.readString(Path.of(ServiceTest.AUDIT, "signing.key")));

        assertProblem(verifyAgainst(new Checkpoint(origin(), 12, MerkleTree.emptyRoot()).sign(key)), "REHASHED", 1,
                "the checkpoint presented");
        assertProblem(verifyAgainst(new Checkpoint(origin(), 40, MerkleTree.emptyRoot()).sign(key)), "TRUNCATED", 13,
                "covers 40 events, the log has 12");
    }

    private String origin() {
        return checkpoint.substring(0, checkpoint.indexOf('\n'));
    }

    /** Rewrites event {@code sequence}, then recomputes every leaf and subtree hash, as someone covering their tracks would. */
    private void rewriteAndRehash(long sequence) {
        tamper("update assignment.audit_events set tenant = 'mallory' where id = "
                + "(select event_id from assignment.audit_log where sequence = " + sequence + ")");
        List<AuditEvent> events = attacker.query("""
                select l.sequence, e.at, e.principal, e.kind, e.tenant, e.node, e.devices, e.assignment_id, e.detail
                from assignment.audit_log l join assignment.audit_events e on e.id = l.event_id order by l.sequence
                """, (row, number) -> new AuditEvent(row.getLong("sequence"),
                row.getObject("at", OffsetDateTime.class).toInstant(), row.getString("principal"),
                AuditEvent.Kind.valueOf(row.getString("kind")), row.getString("tenant"), row.getString("node"),
                List.of((String[]) row.getArray("devices").getArray()), row.getString("assignment_id"),
                row.getString("detail")));
        Frontier tree = Frontier.empty();
        StringBuilder rows = new StringBuilder();
        for (AuditEvent event : events) {
            for (Frontier.StoredHash stored : tree.append(MerkleTree.leafHash(event.canonical()))) {
                rows.append(rows.isEmpty() ? "" : ", ").append("(").append(stored.subtree().level()).append(", ")
                        .append(stored.subtree().index()).append(", decode('").append(stored.hash().hex()).append("', 'hex'))");
            }
        }
        tamper("delete from assignment.audit_tree", "insert into assignment.audit_tree (level, index, hash) values " + rows);
    }

    private void keepInTheDatabase(NoteSigner key, long size) {
        Hash root = MerkleTree.root(size, subtrees -> subtrees.stream().map(subtree -> Hash.of(attacker.queryForObject(
                "select hash from assignment.audit_tree where level = ? and index = ?", byte[].class,
                subtree.level(), subtree.index()))).toList());
        String note = new Checkpoint(origin(), size, root).sign(key);
        attacker.update("insert into assignment.audit_checkpoints (tree_size, root, note, key_name) values (?, ?, ?, ?)",
                size, root.bytes(), note, key.name());
    }

    @Test
    void inclusionAndConsistencyProofsVerifyAgainstTheSignedCheckpoints() throws Exception {
        Checkpoint twelve = Checkpoint.parse(io.vfleet.tlog.Note.parse(checkpoint).text());
        mvc.put().uri("/api/v1/tenants/late").header("Authorization", "Bearer operator-token")
                .contentType(MediaType.APPLICATION_JSON).content("{\"maxDevices\":1,\"maxPinnedBytes\":0,\"noiommuAllowed\":false}")
                .exchange();
        String thirteenNote = mvc.post().uri("/api/v1/audit/checkpoints").header("Authorization", "Bearer operator-token")
                .exchange().getResponse().getContentAsString(StandardCharsets.UTF_8);
        Checkpoint thirteen = Checkpoint.parse(io.vfleet.tlog.Note.parse(thirteenNote).text());

        String inclusion = mvc.get().uri("/api/v1/audit/proofs/inclusion?sequence=5&treeSize=13")
                .header("Authorization", "Bearer auditor-token").exchange().getResponse().getContentAsString();
        Hash leaf = Hash.fromBase64(JsonPath.read(inclusion, "$.leafHash"));
        List<Hash> path = JsonPath.<List<String>>read(inclusion, "$.path").stream().map(Hash::fromBase64).toList();
        String consistency = mvc.get().uri("/api/v1/audit/proofs/consistency?from=12&to=13")
                .header("Authorization", "Bearer auditor-token").header("Accept", "text/plain").exchange()
                .getResponse().getContentAsString();
        List<Hash> proof = consistency.lines().map(Hash::fromBase64).toList();

        assertThat(thirteen.size()).isEqualTo(13);
        assertThat(io.vfleet.tlog.Proofs.verifyInclusion(leaf, 4, 13, path, thirteen.root())).isTrue();
        assertThat(io.vfleet.tlog.Proofs.verifyConsistency(12, twelve.root(), 13, thirteen.root(), proof)).isTrue();
        assertThat(mvc.get().uri("/api/v1/audit/checkpoints/12").header("Authorization", "Bearer auditor-token"))
                .hasStatusOk().hasBodyTextEqualTo(checkpoint);
        assertThat(mvc.get().uri("/api/v1/audit/checkpoints/latest").header("Authorization", "Bearer auditor-token"))
                .hasStatusOk().hasBodyTextEqualTo(thirteenNote);
        assertThat(Files.readString(Path.of(ServiceTest.AUDIT, "checkpoints", "latest.checkpoint"))).isEqualTo(thirteenNote);
        assertThat(mvc.get().uri("/api/v1/audit/proofs/consistency?from=12&to=14").header("Authorization", "Bearer auditor-token"))
                .hasStatus(HttpStatus.NOT_FOUND);
        assertThat(mvc.get().uri("/api/v1/audit/proofs/inclusion?sequence=0&treeSize=13").header("Authorization", "Bearer auditor-token"))
                .hasStatus(HttpStatus.BAD_REQUEST).bodyJson().extractingPath("$.errors[0].field").isEqualTo("sequence");
        assertThat(mvc.get().uri("/api/v1/audit/checkpoints/latest").header("Authorization", "Bearer acme-token"))
                .hasStatus(HttpStatus.FORBIDDEN);
    }
}
