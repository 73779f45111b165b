package io.vfleet.agent.inventory;

import io.vfleet.engine.topology.HostTopology;
import io.vfleet.retry.Backoff;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps this node registered: registers on start and whenever the topology differs from the one last
 * registered, heartbeats in between, and after a failure retries with a doubling, jittered {@link Backoff},
 * registering again first (the inventory may have forgotten the node while it was unreachable).
 *
 * <p>{@link #step()} is one round and returns the delay before the next, so the policy is tested
 * without waiting; {@link #start()} runs rounds on one daemon thread until {@link #stop()}.
 */
public final class RegistrationLoop {
    private static final Logger log = LoggerFactory.getLogger(RegistrationLoop.class);

    /** Heartbeat interval, first retry delay and the longest retry delay. */
    public record Schedule(Duration heartbeat, Duration firstRetry, Duration longestRetry) {
        public static final Schedule DEFAULT = new Schedule(Duration.ofSeconds(10), Duration.ofSeconds(1), Duration.ofMinutes(1));
    }

    private final InventoryRegistration inventory;
    private final Supplier<HostTopology> topology;
    private final Schedule schedule;
    private final Backoff retries;
    private HostTopology registered;
    private ScheduledExecutorService executor;

    public RegistrationLoop(InventoryRegistration inventory, Supplier<HostTopology> topology, Schedule schedule) {
        this(inventory, topology, schedule, new Backoff(schedule.firstRetry(), schedule.longestRetry()));
    }

    RegistrationLoop(InventoryRegistration inventory, Supplier<HostTopology> topology, Schedule schedule, Backoff retries) {
        this.inventory = inventory;
        this.topology = topology;
        this.schedule = schedule;
        this.retries = retries;
    }

    /** One round: register if needed, else heartbeat; the delay until the next round. */
    public synchronized Duration step() {
        HostTopology current = topology.get();
        try {
            if (!current.equals(registered)) {
                inventory.register(current);
                registered = current;
                log.info("Registered node {} with the inventory", current.hostname());
            } else {
                inventory.heartbeat(current.hostname());
            }
            retries.reset();
            return schedule.heartbeat();
        } catch (RuntimeException failure) {
            registered = null;
            Duration delay = retries.next();
            log.warn("Inventory unreachable ({}); retrying in {}", failure.getMessage(), delay);
            return delay;
        }
    }

    // step catches every failure and round schedules the next, so a future never holds one to look at.
    @SuppressWarnings("FutureReturnValueIgnored")
    public synchronized void start() {
        executor = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon().name("inventory-registration").factory());
        executor.schedule(this::round, 0, TimeUnit.MILLISECONDS);
    }

    public synchronized void stop() {
        if (executor != null) {
            executor.shutdownNow();
        }
    }

    @SuppressWarnings("FutureReturnValueIgnored") // As in start: step never throws.
    private void round() {
        Duration delay = step();
        synchronized (this) {
            if (!executor.isShutdown()) {
                executor.schedule(this::round, delay.toMillis(), TimeUnit.MILLISECONDS);
            }
        }
    }
}
