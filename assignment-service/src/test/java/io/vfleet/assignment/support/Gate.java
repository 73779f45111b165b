package io.vfleet.assignment.support;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Holds one thread at a named point until the test opens it, and lets the test wait until a thread got
 * there: the way a test proves it aims at the window it claims before it races something against it.
 */
public final class Gate {
    private static final Duration PATIENCE = Duration.ofSeconds(30);

    private final CountDownLatch reached = new CountDownLatch(1);
    private final CountDownLatch opened = new CountDownLatch(1);

    /** Called by the held thread: says it is here, then waits for {@link #open()}. */
    public void pass() {
        reached.countDown();
        try {
            if (!opened.await(PATIENCE.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new IllegalStateException("the gate was never opened");
            }
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted at the gate", interrupted);
        }
    }

    /** Waits until a thread is held here; fails the test if none arrives. */
    public void awaitHeld() throws InterruptedException {
        assertThat(reached.await(PATIENCE.toMillis(), TimeUnit.MILLISECONDS)).as("a thread reached the gate").isTrue();
    }

    public void open() {
        opened.countDown();
    }
}
