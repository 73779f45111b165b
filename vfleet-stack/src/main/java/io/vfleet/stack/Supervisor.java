package io.vfleet.stack;

import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Keeps the stack's processes running: a process that exits without being asked to is started again
 * with the same command, after a delay that doubles with each crash in quick succession, and each
 * crash, restart and recovery is said on the console with the exit status and where the log is. A
 * process that keeps crashing soon after its start is given up on, and the listener told, so that
 * the launcher can stop a stack that cannot run whole.
 *
 * <p>Each watched process is in one {@link State}; all changes happen under this object's lock. A
 * crash is acted on only in {@code RUNNING}: while a restart is under way, the restart itself sees
 * the process die and counts that as the next crash.
 */
public final class Supervisor implements AutoCloseable {

    /**
     * When a crashed process is started again, and when the supervisor stops trying.
     *
     * @param firstDelay          before the first restart of a series of crashes
     * @param longestDelay        the delay doubles up to this
     * @param stableAfter         a run at least this long ends a series: the next crash starts a new one
     * @param fastCrashesToGiveUp how many crashes in a series, each soon after its start, are given up on
     */
    public record Policy(Duration firstDelay, Duration longestDelay, Duration stableAfter, int fastCrashesToGiveUp) {
        public static final Policy DEFAULT = new Policy(Duration.ofSeconds(1), Duration.ofSeconds(30), Duration.ofMinutes(1), 5);

        Duration delayAfter(int fastCrashes) {
            Duration delay = firstDelay.multipliedBy(1L << Math.min(fastCrashes, 20));
            return delay.compareTo(longestDelay) > 0 ? longestDelay : delay;
        }
    }

    public enum State {
        /** Started and healthy, as far as the supervisor knows. */
        RUNNING,
        /** Crashed; to be started again after the delay. */
        WAITING,
        /** Being started again, not healthy yet. */
        STARTING,
        /** Crashed too often soon after its start: left stopped. */
        GAVE_UP
    }

    /** What the supervisor knows of one process, for {@code ./vfleet status}. */
    public record ChildStatus(State state, int restarts, Optional<String> lastCrash, Optional<Instant> lastCrashAt) {}

    /** Who hears of what the supervisor does; called under the supervisor's lock, so return quickly and take no lock. */
    public interface Listener {
        /** One line for the console. */
        void said(String line);

        /** A process changed state or pid. */
        default void changed() {}

        /** The supervisor stopped restarting {@code child}; called once, after {@link #said} explained why. */
        default void gaveUp(ChildProcess child) {}
    }

    private static final int LOG_TAIL_ON_GIVING_UP = 20;

    private static final class Watch {
        final ChildProcess child;
        State state = State.RUNNING;
        int fastCrashes;
        int restarts;
        String lastCrash;
        Instant lastCrashAt;

        Watch(ChildProcess child) {
            this.child = child;
        }
    }

    private final Policy policy;
    private final Listener listener;
    private final Map<ChildProcess, Watch> watches = new LinkedHashMap<>();
    private final ScheduledExecutorService scheduler =
            Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().name("vfleet-supervisor").daemon().factory());
    private boolean closed;

    /** Watches the processes, which are running and healthy now. */
    public Supervisor(List<ChildProcess> children, Policy policy, Listener listener) {
        this.policy = policy;
        this.listener = listener;
        for (ChildProcess child : children) {
            watches.put(child, new Watch(child));
            child.onCrash(this::crashed);
        }
    }

    public synchronized ChildStatus status(ChildProcess child) {
        Watch watch = watches.get(child);
        if (watch == null) {
            throw new IllegalArgumentException(child.name() + " is not supervised");
        }
        return new ChildStatus(watch.state, watch.restarts, Optional.ofNullable(watch.lastCrash),
                Optional.ofNullable(watch.lastCrashAt));
    }

    private synchronized void crashed(ChildProcess.Exit exit) {
        Watch watch = watches.get(exit.child());
        if (closed || watch == null || watch.state != State.RUNNING) {
            return;
        }
        crashed(watch, exit.describe(), exit.ran());
    }

    /** Counts the crash, then schedules a restart or gives up. */
    // restart turns every failure to start the child into a crash it reports, so the future holds none.
    @SuppressWarnings("FutureReturnValueIgnored")
    private void crashed(Watch watch, String what, Duration ran) {
        watch.fastCrashes = ran.compareTo(policy.stableAfter()) < 0 ? watch.fastCrashes + 1 : 0;
        watch.lastCrash = what;
        watch.lastCrashAt = Instant.now();
        ChildProcess child = watch.child;
        if (watch.fastCrashes >= policy.fastCrashesToGiveUp()) {
            watch.state = State.GAVE_UP;
            listener.said(what + ". It crashed " + watch.fastCrashes + " times in a row, each within "
                    + Durations.describe(policy.stableAfter()) + " of its start: not starting it again. The end of its log, "
                    + child.log() + ":" + System.lineSeparator() + child.logTail(LOG_TAIL_ON_GIVING_UP));
            listener.changed();
            listener.gaveUp(child);
            return;
        }
        // The first restart of a series waits the first delay; each fast crash after it doubles it.
        Duration delay = policy.delayAfter(Math.max(watch.fastCrashes - 1, 0));
        watch.state = State.WAITING;
        listener.said(what + "; starting it again in " + Durations.describe(delay) + " (its log: " + child.log() + ")");
        listener.changed();
        scheduler.schedule(() -> restart(watch), delay.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void restart(Watch watch) {
        synchronized (this) {
            if (closed || watch.state != State.WAITING) {
                return;
            }
            watch.state = State.STARTING;
            watch.restarts++;
        }
        ChildProcess child = watch.child;
        Instant launched = Instant.now();
        StackException failure = null;
        try {
            child.launch();
            listener.changed();
            child.awaitHealthy();
        } catch (StackException e) {
            failure = e;
        } catch (RuntimeException e) {
            failure = new StackException(child.name() + " could not be started: " + e.getMessage(), e);
        }
        if (failure != null) {
            // Alive but not healthy in time, it would never be restarted: end it, and count a crash.
            child.kill();
        }
        synchronized (this) {
            if (closed) {
                return;
            }
            Duration ran = Duration.between(launched, Instant.now());
            if (failure != null) {
                crashed(watch, child.name() + " did not come back: " + firstLine(failure.getMessage()), ran);
            } else if (!child.isAlive()) {
                crashed(watch, child.name() + " exited with status "
                        + child.exitCode().map(Signal::describeExitStatus).orElse("unknown") + " just after it was healthy", ran);
            } else {
                watch.state = State.RUNNING;
                listener.said(child.name() + " is running again as pid " + child.pid() + " and healthy (restart "
                        + watch.restarts + ")");
                listener.changed();
            }
        }
    }

    /** Stops restarting: the stack is being stopped. A restart under way is interrupted. */
    @Override
    public void close() {
        synchronized (this) {
            closed = true;
        }
        scheduler.shutdownNow();
        try {
            scheduler.awaitTermination(1, TimeUnit.MINUTES);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static String firstLine(String text) {
        int end = text.indexOf('\n');
        return end < 0 ? text : text.substring(0, end);
    }
}
