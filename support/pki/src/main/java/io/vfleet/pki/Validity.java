package io.vfleet.pki;

import java.time.Duration;
import java.time.Instant;

/** When a certificate is valid: from {@code notBefore} to {@code notAfter}, both inclusive, as X.509 says. */
public record Validity(Instant notBefore, Instant notAfter) {

    public Validity {
        if (!notAfter.isAfter(notBefore)) {
            throw new IllegalArgumentException("a certificate's validity ends after it starts: " + notBefore + " .. " + notAfter);
        }
    }

    /**
     * From a minute ago (so that a peer whose clock is a little behind accepts it) for {@code length}.
     */
    public static Validity startingNow(Duration length) {
        Instant now = Instant.now();
        return new Validity(now.minus(Duration.ofMinutes(1)), now.plus(length));
    }

    /** Already over: for showing that an expired certificate is refused. */
    public static Validity endedAgo(Duration ago) {
        Instant end = Instant.now().minus(ago);
        return new Validity(end.minus(Duration.ofDays(1)), end);
    }
}
