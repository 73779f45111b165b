package io.vfleet.assignment.domain;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class AuditChainTest {

    private static AuditEvent event(long sequence, String detail) {
        return new AuditEvent(sequence, Instant.parse("2026-01-02T03:04:05.123456789Z"), AuditEvent.Kind.ASSIGNMENT_STATE,
                "acme", "n1", List.of("0000:01:00.0"), "a-1", detail);
    }

    private record Stored(AuditEvent event, String previous, String hash) {}

    private static List<Stored> chain(int length) {
        List<Stored> stored = new ArrayList<>();
        String previous = AuditChain.GENESIS;
        for (int sequence = 1; sequence <= length; sequence++) {
            AuditEvent event = event(sequence, "state " + sequence);
            String hash = AuditChain.link(previous, event);
            stored.add(new Stored(event, previous, hash));
            previous = hash;
        }
        return stored;
    }

    private static AuditChain.Verifier verify(List<Stored> stored) {
        AuditChain.Verifier verifier = new AuditChain.Verifier();
        stored.forEach(row -> verifier.accept(row.event(), row.previous(), row.hash()));
        return verifier;
    }

    @Test
    void anUntouchedChainVerifies() {
        AuditChain.Verifier verifier = verify(chain(5));

        assertThat(verifier.broken()).isEmpty();
        assertThat(verifier.checked()).isEqualTo(5);
    }

    @Test
    void aChangedEventIsTheFirstBrokenLink() {
        List<Stored> stored = chain(5);
        Stored third = stored.get(2);
        stored.set(2, new Stored(event(3, "state 3, edited"), third.previous(), third.hash()));

        assertThat(verify(stored).broken()).hasValueSatisfying(broken -> {
            assertThat(broken.sequence()).isEqualTo(3);
            assertThat(broken.reason()).contains("content");
        });
    }

    @Test
    void aRemovedEventBreaksTheChainWhereItWas() {
        List<Stored> stored = chain(5);
        stored.remove(1);

        assertThat(verify(stored).broken()).hasValueSatisfying(broken -> assertThat(broken.sequence()).isEqualTo(3));
    }

    @Test
    void aRehashedEventIsCaughtByTheNextLink() {
        List<Stored> stored = chain(5);
        AuditEvent forged = event(2, "forged");
        stored.set(1, new Stored(forged, stored.get(1).previous(), AuditChain.link(stored.get(1).previous(), forged)));

        assertThat(verify(stored).broken()).hasValueSatisfying(broken -> {
            assertThat(broken.sequence()).isEqualTo(3);
            assertThat(broken.reason()).contains("previous hash");
        });
    }

    @Test
    void theCanonicalFormKeepsFieldBoundaries() {
        AuditEvent split = new AuditEvent(1, Instant.EPOCH, AuditEvent.Kind.TENANT_POLICY, "ab", "c", List.of(), null, "x");
        AuditEvent joined = new AuditEvent(1, Instant.EPOCH, AuditEvent.Kind.TENANT_POLICY, "a", "bc", List.of(), null, "x");

        assertThat(split.canonical()).isNotEqualTo(joined.canonical());
    }

    @Test
    void timesAreHashedToTheMicrosecondAsTheDatabaseStoresThem() {
        assertThat(event(1, "x").at()).isEqualTo(Instant.parse("2026-01-02T03:04:05.123456Z"));
    }
}
