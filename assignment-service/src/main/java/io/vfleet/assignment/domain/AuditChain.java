package io.vfleet.assignment.domain;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;

/**
 * The hash chain over the audit log: each event's hash is {@code sha256(previous hash ||
 * canonical event)}, the first event chained to {@link #GENESIS}. Changing, removing or reordering
 * any stored event breaks every link from it on, and {@link Verifier} names the first.
 */
public final class AuditChain {

    /** The hash before the first event: 32 zero bytes, in hex. */
    public static final String GENESIS = "0".repeat(64);

    private AuditChain() {}

    public static String link(String previousHash, AuditEvent event) {
        MessageDigest sha256 = sha256();
        sha256.update(HexFormat.of().parseHex(previousHash));
        sha256.update(event.canonical());
        return HexFormat.of().formatHex(sha256.digest());
    }

    /** The first broken link of a chain: the event, and what was wrong with it. */
    public record BrokenLink(long sequence, String reason) {}

    /**
     * Walks stored events in sequence order and stops at the first that does not follow: a sequence
     * gap, a previous-hash that is not the hash before it, or a hash that its content does not give.
     */
    public static final class Verifier {
        private String expectedPrevious = GENESIS;
        private long expectedSequence = 1;
        private long checked;
        private BrokenLink broken;

        public boolean accept(AuditEvent event, String storedPrevious, String storedHash) {
            if (broken != null) {
                return false;
            }
            if (event.sequence() != expectedSequence) {
                broken = new BrokenLink(event.sequence(), "expected event " + expectedSequence + " but found " + event.sequence());
            } else if (!expectedPrevious.equals(storedPrevious)) {
                broken = new BrokenLink(event.sequence(), "its previous hash " + storedPrevious
                        + " is not the hash of event " + (expectedSequence - 1) + ", " + expectedPrevious);
            } else if (!link(storedPrevious, event).equals(storedHash)) {
                broken = new BrokenLink(event.sequence(), "its content does not give its stored hash " + storedHash);
            } else {
                expectedPrevious = storedHash;
                expectedSequence++;
                checked++;
                return true;
            }
            return false;
        }

        public long checked() {
            return checked;
        }

        public Optional<BrokenLink> broken() {
            return Optional.ofNullable(broken);
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException missing) {
            throw new AssertionError("every JDK provides SHA-256", missing);
        }
    }
}
