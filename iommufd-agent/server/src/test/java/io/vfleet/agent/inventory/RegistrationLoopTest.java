package io.vfleet.agent.inventory;

import static org.assertj.core.api.Assertions.assertThat;

import io.vfleet.agent.AgentHosts;
import io.vfleet.engine.topology.HostTopology;
import io.vfleet.retry.Backoff;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;

class RegistrationLoopTest {
    private static final RegistrationLoop.Schedule SCHEDULE =
            new RegistrationLoop.Schedule(Duration.ofSeconds(10), Duration.ofSeconds(1), Duration.ofSeconds(4));

    /** An inventory that records what it was told and refuses the next {@code failures} calls. */
    private static final class RecordingInventory implements InventoryRegistration {
        final List<String> calls = new ArrayList<>();
        int failures;

        @Override
        public void register(HostTopology topology) {
            answer("register " + topology.hostname());
        }

        @Override
        public void heartbeat(String hostname) {
            answer("heartbeat " + hostname);
        }

        private void answer(String call) {
            calls.add(call);
            if (failures > 0) {
                failures--;
                throw new IllegalStateException("inventory unreachable");
            }
        }
    }

    @Test
    void registersThenHeartbeatsAndRegistersAgainWhenTheTopologyChanges() {
        RecordingInventory inventory = new RecordingInventory();
        AtomicReference<HostTopology> topology = new AtomicReference<>(AgentHosts.shipped("gpu-server-8x"));
        RegistrationLoop loop = new RegistrationLoop(inventory, topology::get, SCHEDULE);

        assertThat(loop.step()).isEqualTo(Duration.ofSeconds(10));
        loop.step();
        topology.set(AgentHosts.shipped("sriov-nic"));
        loop.step();

        assertThat(inventory.calls).containsExactly("register gpu-server-01", "heartbeat gpu-server-01", "register sriov-05");
    }

    @Test
    void failuresBackOffDoublingUpToTheLongestDelayAndRegisterAgainAfterwards() {
        RecordingInventory inventory = new RecordingInventory();
        // Jitter drawn at the top of each window, so that the windows themselves show.
        Backoff retries = new Backoff(SCHEDULE.firstRetry(), SCHEDULE.longestRetry(), new RandomGenerator() {
            @Override
            public long nextLong() {
                throw new UnsupportedOperationException("only bounded draws");
            }

            @Override
            public long nextLong(long origin, long bound) {
                return bound - 1;
            }
        });
        RegistrationLoop loop = new RegistrationLoop(inventory, () -> AgentHosts.shipped("gpu-server-8x"), SCHEDULE, retries);
        loop.step();
        inventory.failures = 4;

        List<Duration> delays = List.of(loop.step(), loop.step(), loop.step(), loop.step(), loop.step());
        inventory.failures = 1;
        Duration afterRecovery = loop.step();

        assertThat(delays).containsExactly(Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(4),
                Duration.ofSeconds(4), Duration.ofSeconds(10));
        assertThat(afterRecovery).as("a success starts the backoff over").isEqualTo(Duration.ofSeconds(1));
        assertThat(inventory.calls).contains("register gpu-server-01");
    }

    @Test
    void retriesAreJitteredWithinTheDoublingWindow() {
        RecordingInventory inventory = new RecordingInventory();
        RegistrationLoop loop = new RegistrationLoop(inventory, () -> AgentHosts.shipped("gpu-server-8x"), SCHEDULE);
        inventory.failures = 3;

        List<Duration> delays = List.of(loop.step(), loop.step(), loop.step());

        assertThat(delays.get(0)).isBetween(Duration.ZERO, Duration.ofSeconds(1));
        assertThat(delays.get(1)).isBetween(Duration.ZERO, Duration.ofSeconds(2));
        assertThat(delays.get(2)).isBetween(Duration.ZERO, Duration.ofSeconds(4));
        assertThat(delays).doesNotHaveDuplicates();
    }
}
