package io.vfleet.assignment.domain;

import static org.assertj.core.api.Assertions.assertThat;

import io.vfleet.tlog.Checkpoint;
import io.vfleet.tlog.Frontier;
import io.vfleet.tlog.Hash;
import io.vfleet.tlog.MerkleTree;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class AuditVerificationTest {

    static AuditEvent event(long sequence, String detail) {
        return new AuditEvent(sequence, Instant.parse("2026-01-02T03:04:05.123456789Z"), "operator:ops",
                AuditEvent.Kind.ASSIGNMENT_STATE, "acme", "n1", List.of("0000:01:00.0"), "a-1", detail);
    }

    /** A log as stored: events with the leaf hashes stored for them, and the tree's root at each size. */
    record Stored(List<AuditEvent> events, List<Hash> leaves, List<Hash> roots) {

        static Stored of(int size) {
            List<AuditEvent> events = new ArrayList<>();
            List<Hash> leaves = new ArrayList<>();
            List<Hash> roots = new ArrayList<>(List.of(MerkleTree.emptyRoot()));
            Frontier tree = Frontier.empty();
            for (int sequence = 1; sequence <= size; sequence++) {
                AuditEvent event = event(sequence, "state " + sequence);
                Hash leaf = MerkleTree.leafHash(event.canonical());
                events.add(event);
                leaves.add(leaf);
                tree.append(leaf);
                roots.add(tree.root());
            }
            return new Stored(events, leaves, roots);
        }

        AuditVerification.Trusted checkpoint(int size, String source) {
            return new AuditVerification.Trusted(new Checkpoint("vfleet.test/audit", size, roots.get(size)),
                    "vfleet.test/audit+00000000", source);
        }

        AuditVerification.Result verify(List<AuditVerification.Trusted> checkpoints) {
            AuditVerification verification = new AuditVerification(checkpoints, Optional.empty());
            for (int index = 0; index < events.size(); index++) {
                if (!verification.accept(events.get(index), leaves.get(index))) {
                    break;
                }
            }
            return verification.finish(events.size(), roots.getLast());
        }
    }

    @Test
    void anUntouchedLogVerifiesAgainstEveryCheckpoint() {
        Stored stored = Stored.of(10);

        AuditVerification.Result result = stored.verify(List.of(stored.checkpoint(4, "a"), stored.checkpoint(10, "b"),
                stored.checkpoint(0, "c")));

        assertThat(result.intact()).isTrue();
        assertThat(result.checked()).isEqualTo(10);
        assertThat(result.checkpoints()).extracting(trusted -> trusted.checkpoint().size()).containsExactly(0L, 4L, 10L);
    }

    @Test
    void anEditedEventIsRewritten() {
        Stored stored = Stored.of(10);
        stored.events().set(6, event(7, "state 7, edited"));

        AuditVerification.Result result = stored.verify(List.of(stored.checkpoint(10, "outside")));

        assertThat(result.problem().orElseThrow().problem()).isEqualTo(AuditVerification.Problem.REWRITTEN_EVENT);
        assertThat(result.problem().orElseThrow().sequence()).isEqualTo(7);
        assertThat(result.checked()).isEqualTo(6);
    }

    @Test
    void aRehashedLogIsPlacedBetweenTheCheckpointsItFallsBetween() {
        Stored genuine = Stored.of(10);
        List<AuditVerification.Trusted> checkpoints = List.of(genuine.checkpoint(3, "early"), genuine.checkpoint(8, "late"));
        Stored rehashed = Stored.of(10);
        rehashed.events().set(5, event(6, "rewritten"));
        Stored recomputed = recompute(rehashed.events());

        AuditVerification.Result result = recomputed.verify(checkpoints);

        AuditVerification.Finding finding = result.problem().orElseThrow();
        assertThat(finding.problem()).isEqualTo(AuditVerification.Problem.REHASHED);
        assertThat(finding.sequence()).isEqualTo(4);
        assertThat(finding.detail()).contains("from 4 to 8").contains("(late)").contains("the checkpoint of 3 (early) still matched");
    }

    @Test
    void aCheckpointBeyondTheLogIsATruncation() {
        Stored stored = Stored.of(10);
        Stored shortened = new Stored(stored.events().subList(0, 7), stored.leaves().subList(0, 7), stored.roots().subList(0, 8));

        AuditVerification.Result result = shortened.verify(List.of(stored.checkpoint(10, "outside")));

        assertThat(result.problem().orElseThrow().problem()).isEqualTo(AuditVerification.Problem.TRUNCATED);
        assertThat(result.problem().orElseThrow().detail()).contains("events 8 to 10 were removed");
    }

    @Test
    void aGapInTheSequenceIsAMissingEvent() {
        Stored stored = Stored.of(10);
        stored.events().remove(4);
        stored.leaves().remove(4);

        AuditVerification.Result result = stored.verify(List.of());

        assertThat(result.problem().orElseThrow().problem()).isEqualTo(AuditVerification.Problem.MISSING_EVENT);
        assertThat(result.problem().orElseThrow().sequence()).isEqualTo(5);
    }

    @Test
    void aStoredTreeThatIsNotTheEventsTreeIsCorrupted() {
        Stored stored = Stored.of(5);
        AuditVerification verification = new AuditVerification(List.of(), Optional.empty());
        for (int index = 0; index < 5; index++) {
            verification.accept(stored.events().get(index), stored.leaves().get(index));
        }

        assertThat(verification.finish(5, stored.roots().get(4)).problem().orElseThrow().problem())
                .isEqualTo(AuditVerification.Problem.TREE_CORRUPTED);
    }

    @Test
    void aForgedCheckpointFoundBeforeTheWalkIsTheFirstProblem() {
        Stored stored = Stored.of(3);
        AuditVerification verification = new AuditVerification(List.of(), Optional.of(new AuditVerification.Finding(
                AuditVerification.Problem.FORGED_CHECKPOINT, 0, "presented: signed by no trusted key")));

        assertThat(verification.accept(stored.events().getFirst(), stored.leaves().getFirst())).isFalse();
        assertThat(verification.finish(3, stored.roots().getLast()).problem().orElseThrow().problem())
                .isEqualTo(AuditVerification.Problem.FORGED_CHECKPOINT);
    }

    @Test
    void noTwoEventsShareACanonicalForm() {
        AuditEvent split = new AuditEvent(1, Instant.EPOCH, "p", AuditEvent.Kind.TENANT_POLICY, "ab", "c", List.of(), null, "x");
        AuditEvent joined = new AuditEvent(1, Instant.EPOCH, "p", AuditEvent.Kind.TENANT_POLICY, "a", "bc", List.of(), null, "x");
        AuditEvent absent = new AuditEvent(1, Instant.EPOCH, "p", AuditEvent.Kind.TENANT_POLICY, null, "c", List.of(), null, "x");
        AuditEvent dash = new AuditEvent(1, Instant.EPOCH, "p", AuditEvent.Kind.TENANT_POLICY, "-", "c", List.of(), null, "x");
        AuditEvent byAnother = new AuditEvent(1, Instant.EPOCH, "q", AuditEvent.Kind.TENANT_POLICY, "ab", "c", List.of(), null, "x");

        assertThat(List.of(split, joined, absent, dash, byAnother).stream().map(e -> new String(e.canonical(), StandardCharsets.UTF_8)).distinct())
                .hasSize(5);
        assertThat(new String(event(1, "ü").canonical(), StandardCharsets.UTF_8)).contains("2:ü");
    }

    private static Stored recompute(List<AuditEvent> events) {
        List<Hash> leaves = new ArrayList<>();
        List<Hash> roots = new ArrayList<>(List.of(MerkleTree.emptyRoot()));
        Frontier tree = Frontier.empty();
        for (AuditEvent event : events) {
            Hash leaf = MerkleTree.leafHash(event.canonical());
            leaves.add(leaf);
            tree.append(leaf);
            roots.add(tree.root());
        }
        return new Stored(events, leaves, roots);
    }
}
