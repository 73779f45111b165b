package io.vfleet.assignment.adapter.agent;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.vfleet.assignment.application.port.NodeAgents;
import io.vfleet.assignment.domain.Preparation;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Measures the agent calls that change a node: how long each prepare, release and hot reset took
 * and how it ended ({@code vfleet.assignment.agent.call}, tags {@code operation} and {@code outcome}
 * ok, refused, unreachable or error, with a percentile histogram), and every refusal by the errno the agent
 * gave ({@code vfleet.assignment.agent.errors}, tags {@code operation} and {@code errno}).
 *
 * <p>A decorator rather than code in {@link GrpcNodeAgents}: the time is the use case's wait for the
 * agent, whichever agents the service is wired to, and the gRPC client stays about the wire.
 * {@code ListPrepared} only reads and is not measured.
 */
public final class TimedNodeAgents implements NodeAgents {

    private static final String CALL = "vfleet.assignment.agent.call";
    private static final String ERRORS = "vfleet.assignment.agent.errors";

    private final NodeAgents agents;
    private final MeterRegistry registry;

    public TimedNodeAgents(NodeAgents agents, MeterRegistry registry) {
        this.agents = agents;
        this.registry = registry;
    }

    @Override
    public Preparation prepare(String node, PrepareCall call) {
        return timed("prepare", () -> agents.prepare(node, call));
    }

    @Override
    public Released release(String node, ReleaseCall call) {
        return timed("release", () -> agents.release(node, call));
    }

    @Override
    public List<String> hotReset(String node, HotResetCall call) {
        return timed("hot_reset", () -> agents.hotReset(node, call));
    }

    @Override
    public List<Prepared> listPrepared(String node) {
        return agents.listPrepared(node);
    }

    private <T> T timed(String operation, Supplier<T> call) {
        long started = System.nanoTime();
        String outcome = "ok";
        try {
            return call.get();
        } catch (AgentRefused refused) {
            outcome = "refused";
            Counter.builder(ERRORS).description("Agent calls refused, by the errno the agent answered")
                    .tag("operation", operation).tag("errno", refused.answer().reason())
                    .register(registry).increment();
            throw refused;
        } catch (AgentUnreachable unreachable) {
            outcome = "unreachable";
            throw unreachable;
        } catch (RuntimeException failed) {
            outcome = "error";
            throw failed;
        } finally {
            Timer.builder(CALL).description("Prepare, release and hot-reset calls to the node agents")
                    .tag("operation", operation).tag("outcome", outcome)
                    .publishPercentileHistogram()
                    .register(registry)
                    .record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
        }
    }
}
