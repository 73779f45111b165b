package io.vfleet.assignment.support;

import io.vfleet.assignment.application.port.NodeAgents;
import io.vfleet.assignment.domain.Preparation;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Agents whose next call of an operation waits at a {@link Gate} before it is made: a use case held
 * there has committed everything it does before the agent call, and the agent has not been asked yet.
 */
public final class HeldNodeAgents implements NodeAgents {

    /** The calls a test can hold. */
    public enum Operation { PREPARE, RELEASE, HOT_RESET }

    private final NodeAgents agents;
    private final Map<Operation, Gate> gates = new ConcurrentHashMap<>();

    public HeldNodeAgents(NodeAgents agents) {
        this.agents = agents;
    }

    /** The next call of {@code operation} waits at the gate this returns. */
    public Gate holdNext(Operation operation) {
        Gate gate = new Gate();
        gates.put(operation, gate);
        return gate;
    }

    private void passGate(Operation operation) {
        Gate gate = gates.remove(operation);
        if (gate != null) {
            gate.pass();
        }
    }

    @Override
    public Preparation prepare(String node, PrepareCall call) {
        passGate(Operation.PREPARE);
        return agents.prepare(node, call);
    }

    @Override
    public Released release(String node, ReleaseCall call) {
        passGate(Operation.RELEASE);
        return agents.release(node, call);
    }

    @Override
    public List<String> hotReset(String node, HotResetCall call) {
        passGate(Operation.HOT_RESET);
        return agents.hotReset(node, call);
    }

    @Override
    public List<Prepared> listPrepared(String node) {
        return agents.listPrepared(node);
    }
}
