package io.vfleet.agent;

import io.vfleet.agent.state.AgentHost;
import io.vfleet.agent.state.StateJournal;
import io.vfleet.agent.vmm.Checkpoints;
import io.vfleet.agent.vmm.Preparations;
import io.vfleet.engine.topology.HostTopology;
import java.nio.file.Path;

/**
 * An agent's state as the application opens it (see {@code AgentConfiguration}): the journal of a
 * state directory, the engine host restored from it, the preparations reconciled with the host, and a
 * base written at once. Closing makes what is pending durable; dropping it without closing is a crash, after
 * which only what {@link StateJournal#awaitDurable()} covered is sure to be on disk.
 */
public record TestAgent(StateJournal journal, AgentHost host, Preparations preparations) implements AutoCloseable {
    /** The application's default. */
    public static final long COMPACT_AFTER_CHANGES = 50_000;

    public static TestAgent open(HostTopology topology, Path stateDirectory) {
        return open(topology, stateDirectory, COMPACT_AFTER_CHANGES);
    }

    public static TestAgent open(HostTopology topology, Path stateDirectory, long compactAfterChanges) {
        return open(topology, stateDirectory, compactAfterChanges, Checkpoints.NONE);
    }

    /** With the node operations reporting the points of {@link Checkpoints} as they pass them. */
    public static TestAgent open(HostTopology topology, Path stateDirectory, Checkpoints checkpoints) {
        return open(topology, stateDirectory, COMPACT_AFTER_CHANGES, checkpoints);
    }

    /** With journal segments of {@code segmentBytes} instead of the application's. */
    public static TestAgent open(HostTopology topology, Path stateDirectory, long compactAfterChanges, long segmentBytes) {
        return open(topology, stateDirectory, compactAfterChanges, segmentBytes, Checkpoints.NONE);
    }

    private static TestAgent open(HostTopology topology, Path stateDirectory, long compactAfterChanges, Checkpoints checkpoints) {
        return open(topology, stateDirectory, compactAfterChanges, StateJournal.SEGMENT_BYTES, checkpoints);
    }

    private static TestAgent open(HostTopology topology, Path stateDirectory, long compactAfterChanges, long segmentBytes,
            Checkpoints checkpoints) {
        StateJournal journal = StateJournal.open(stateDirectory, compactAfterChanges, segmentBytes);
        AgentHost host = AgentHost.start(topology, journal);
        Preparations preparations = new Preparations(host, journal, checkpoints);
        preparations.reconcile();
        journal.compactNow();
        return new TestAgent(journal, host, preparations);
    }

    @Override
    public void close() {
        journal.close();
    }
}
