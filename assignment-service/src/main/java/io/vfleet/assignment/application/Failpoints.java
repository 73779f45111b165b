package io.vfleet.assignment.application;

import java.io.PrintStream;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Named points between the steps of the use cases where a crash test holds the service, as etcd's
 * failpoints do: with {@code vfleet.failpoints.<point>=pause} a request that reaches the point
 * parks there for good, and the service prints {@code vfleet failpoint parked: <point>} on standard
 * output, so that a test knows the window is hit before it kills the process.
 *
 * <p>Off unless configured at start (never through the API); when off, {@link #reach} returns at
 * once. A point is reached once per request that passes it; every request that passes a paused
 * point parks.
 */
public final class Failpoints {

    /** The windows a crash can fall in, each named for what is durable when it is reached. */
    public enum Point {
        /** PREPARING is committed, holding its devices, with a fresh epoch; the agent was not called yet. */
        ASSIGN_PREPARING_STORED("assign.preparing-stored"),
        /** The agent prepared the devices; ACTIVE is not stored yet. */
        ASSIGN_AGENT_PREPARED("assign.agent-prepared"),
        /** RELEASING is committed; the agent was not called yet. */
        RELEASE_RELEASING_STORED("release.releasing-stored"),
        /** The agent released and reset the devices; RESETTING is not stored yet. */
        RELEASE_AGENT_RELEASED("release.agent-released");

        private final String name;

        Point(String name) {
            this.name = name;
        }

        public String pointName() {
            return name;
        }

        static Point named(String name) {
            for (Point point : values()) {
                if (point.name.equals(name)) {
                    return point;
                }
            }
            throw new IllegalStateException("vfleet.failpoints." + name + ": no such failpoint; there are "
                    + String.join(", ", java.util.Arrays.stream(values()).map(Point::pointName).toList()));
        }
    }

    /** What the line on standard output starts with, followed by the point's name. */
    public static final String PARKED = "vfleet failpoint parked: ";

    /** No point armed. */
    public static final Failpoints OFF = new Failpoints(Set.of(), System.out);

    private final Set<Point> paused;
    private final PrintStream announcements;
    private final Map<Point, CountDownLatch> parked = new ConcurrentHashMap<>();
    private final CountDownLatch crashed = new CountDownLatch(1);

    private Failpoints(Set<Point> paused, PrintStream announcements) {
        this.paused = paused.isEmpty() ? Set.of() : EnumSet.copyOf(paused);
        this.announcements = announcements;
        for (Point point : paused) {
            parked.put(point, new CountDownLatch(1));
        }
    }

    /**
     * The failpoints {@code vfleet.failpoints.<point>=<action>} configures; {@code pause} is the one
     * action. An unknown point or action stops the service from starting rather than test nothing.
     */
    public static Failpoints configured(Map<String, String> actions) {
        if (actions.isEmpty()) {
            return OFF;
        }
        Set<Point> paused = EnumSet.noneOf(Point.class);
        actions.forEach((name, action) -> {
            Point point = Point.named(name);
            if (!"pause".equals(action.strip().toLowerCase(Locale.ROOT))) {
                throw new IllegalStateException("vfleet.failpoints." + name + "=" + action + ": the one action is pause");
            }
            paused.add(point);
        });
        return new Failpoints(paused, System.out);
    }

    public boolean armed() {
        return !paused.isEmpty();
    }

    /** The request passes {@code point}: it returns at once, or, if the point is paused, never. */
    public void reach(Point point) {
        if (paused.isEmpty() || !paused.contains(point)) {
            return;
        }
        synchronized (announcements) {
            announcements.println(PARKED + point.pointName());
            announcements.flush();
        }
        parked.get(point).countDown();
        try {
            crashed.await();
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
        }
        throw new Crashed(point);
    }

    /** For a test in this JVM: whether a request parked at {@code point} within {@code timeout}. */
    public boolean awaitParked(Point point, Duration timeout) throws InterruptedException {
        CountDownLatch latch = parked.get(point);
        return latch != null && latch.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /**
     * Ends every parked request as a crash of the process would: it goes no further, by an error
     * that nothing in the use cases catches. Called when the service stops.
     */
    public void crash() {
        crashed.countDown();
    }

    /** The end of a request parked at a failpoint, when the service stops under it. */
    public static final class Crashed extends Error {
        Crashed(Point point) {
            super("the service stopped while a request was parked at failpoint " + point.pointName());
        }
    }
}
