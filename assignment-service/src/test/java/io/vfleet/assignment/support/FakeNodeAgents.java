package io.vfleet.assignment.support;

import io.vfleet.assignment.application.port.NodeAgents;
import io.vfleet.assignment.domain.AgentAnswer;
import io.vfleet.assignment.domain.Preparation;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Agents kept in memory, with the agent's contract: idempotent by assignment id, stale epochs
 * refused, a device opened by one assignment at a time (EBUSY otherwise, as the kernel). It also
 * remembers every time two assignments would have held one device, which no test may ever see.
 *
 * <p>A test can have the next call of an operation refused as an agent would refuse it, and can hand a
 * node to a real agent ({@link #route}), whose answers then stand for that node.
 */
public final class FakeNodeAgents implements NodeAgents {

    private final Map<String, Map<String, Prepared>> preparedByNode = new HashMap<>();
    private final Map<String, Long> epochs = new HashMap<>();
    private final Set<String> unreachable = new HashSet<>();
    private final Set<String> withoutFunctionReset = new HashSet<>();
    private final Map<String, AgentRefused> refusals = new HashMap<>();
    private final Map<String, NodeAgents> routes = new HashMap<>();
    private final List<String> doubleOwnership = new ArrayList<>();
    private final AtomicLong ids = new AtomicLong(100);
    private final List<String> calls = new ArrayList<>();

    public synchronized void reset() {
        preparedByNode.clear();
        epochs.clear();
        unreachable.clear();
        withoutFunctionReset.clear();
        refusals.clear();
        routes.clear();
        doubleOwnership.clear();
        calls.clear();
    }

    public synchronized void unreachable(String node, boolean isUnreachable) {
        if (isUnreachable) {
            unreachable.add(node);
        } else {
            unreachable.remove(node);
        }
    }

    public synchronized void withoutFunctionReset(String bdf) {
        withoutFunctionReset.add(bdf);
    }

    /** The next {@code operation} (prepare, release, hot-reset) on any node is refused with {@code refusal}. */
    public synchronized void refuseNext(String operation, AgentRefused refusal) {
        refusals.put(operation, refusal);
    }

    /** A refusal as the gRPC adapter would make it of the agent's answer. */
    public static AgentRefused refusal(Refusal refusal, String reason, Integer errno, String device) {
        return new AgentRefused(refusal, new AgentAnswer(reason, errno), device, device == null ? reason : reason + " on " + device);
    }

    /** Calls for {@code node} go to {@code agent} from now on, until {@link #reset()}. */
    public synchronized void route(String node, NodeAgents agent) {
        routes.put(node, agent);
    }

    public synchronized List<String> doubleOwnership() {
        return List.copyOf(doubleOwnership);
    }

    public synchronized List<String> calls() {
        return List.copyOf(calls);
    }

    /** Puts an assignment on the agent as if an earlier Prepare had reached it. */
    public synchronized Preparation plant(String node, PrepareCall call) {
        return doPrepare(node, call);
    }

    public synchronized Set<String> preparedIds(String node) {
        return Set.copyOf(preparedByNode.getOrDefault(node, Map.of()).keySet());
    }

    @Override
    public Preparation prepare(String node, PrepareCall call) {
        NodeAgents real = route(node);
        if (real != null) {
            return real.prepare(node, call);
        }
        synchronized (this) {
            reach(node);
            calls.add("prepare " + call.assignmentId() + " @" + call.epoch());
            refuseIfAsked("prepare");
            checkEpoch(call.assignmentId(), call.epoch());
            return doPrepare(node, call);
        }
    }

    private Preparation doPrepare(String node, PrepareCall call) {
        Map<String, Prepared> prepared = preparedByNode.computeIfAbsent(node, ignored -> new HashMap<>());
        Prepared earlier = prepared.get(call.assignmentId());
        if (earlier != null) {
            return earlier.preparation();
        }
        for (Prepared other : prepared.values()) {
            for (Preparation.Device device : other.preparation().devices()) {
                if (call.devices().contains(device.bdf())) {
                    doubleOwnership.add(device.bdf() + " asked for by " + call.assignmentId() + " while "
                            + other.assignmentId() + " holds it");
                    throw refusal(Refusal.BUSY, "EBUSY", 16, device.bdf());
                }
            }
        }
        long ioas = ids.incrementAndGet();
        long hwpt = ids.incrementAndGet();
        List<Preparation.Device> devices = call.devices().stream()
                .map(bdf -> new Preparation.Device(bdf, ids.incrementAndGet(), hwpt, !withoutFunctionReset.contains(bdf)))
                .toList();
        Preparation preparation = new Preparation(ioas, List.of(hwpt), devices);
        prepared.put(call.assignmentId(), new Prepared(call.assignmentId(), call.tenant(), call.epoch(), preparation));
        return preparation;
    }

    @Override
    public Released release(String node, ReleaseCall call) {
        NodeAgents real = route(node);
        if (real != null) {
            return real.release(node, call);
        }
        synchronized (this) {
            reach(node);
            calls.add("release " + call.assignmentId() + " @" + call.epoch() + " fenced " + call.fenced());
            refuseIfAsked("release");
            checkEpoch(call.assignmentId(), call.epoch());
            Prepared removed = preparedByNode.getOrDefault(node, new HashMap<>()).remove(call.assignmentId());
            if (removed == null) {
                return new Released(false, List.of(), List.of(), List.of());
            }
            List<String> functionReset = new ArrayList<>();
            List<String> left = new ArrayList<>();
            for (Preparation.Device device : removed.preparation().devices()) {
                (withoutFunctionReset.contains(device.bdf()) ? left : functionReset).add(device.bdf());
            }
            return new Released(true, functionReset, List.of(), left);
        }
    }

    @Override
    public List<String> hotReset(String node, HotResetCall call) {
        NodeAgents real = route(node);
        if (real != null) {
            return real.hotReset(node, call);
        }
        synchronized (this) {
            reach(node);
            calls.add("hot-reset " + call.assignmentId() + " " + call.device() + " @" + call.epoch() + " fenced " + call.fenced());
            refuseIfAsked("hot-reset");
            checkEpoch(call.assignmentId(), call.epoch());
            if (!preparedByNode.getOrDefault(node, Map.of()).containsKey(call.assignmentId())) {
                throw refusal(Refusal.NOT_PREPARED, "NOT_PREPARED", null, call.device());
            }
            List<String> affected = new ArrayList<>(List.of(call.device()));
            affected.addAll(call.fenced());
            return affected.stream().sorted().toList();
        }
    }

    @Override
    public List<Prepared> listPrepared(String node) {
        NodeAgents real = route(node);
        if (real != null) {
            return real.listPrepared(node);
        }
        synchronized (this) {
            reach(node);
            return List.copyOf(preparedByNode.getOrDefault(node, Map.of()).values());
        }
    }

    private synchronized NodeAgents route(String node) {
        return routes.get(node);
    }

    private void refuseIfAsked(String operation) {
        AgentRefused refused = refusals.remove(operation);
        if (refused != null) {
            throw refused;
        }
    }

    private void reach(String node) {
        if (unreachable.contains(node)) {
            throw new AgentUnreachable(node, new java.net.ConnectException("connection refused"));
        }
    }

    private void checkEpoch(String assignmentId, long epoch) {
        Long seen = epochs.get(assignmentId);
        if (seen != null && epoch < seen) {
            throw refusal(Refusal.STALE_EPOCH, "STALE_EPOCH", null, null);
        }
        epochs.put(assignmentId, epoch);
    }
}
