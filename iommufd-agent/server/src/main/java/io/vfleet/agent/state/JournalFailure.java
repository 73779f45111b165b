package io.vfleet.agent.state;

/**
 * The journal could not make changes durable: a write or sync failed, so the disk is behind what the
 * agent holds in memory, for good. Nothing more is answered; the agent must restart from its disk.
 */
public final class JournalFailure extends RuntimeException {
    JournalFailure(Throwable cause) {
        super("the agent's journal cannot make changes durable: " + cause, cause);
    }
}
