package io.vfleet.assignment.adapter.agent;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall;
import io.grpc.ForwardingClientCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The boot id each node's agent last answered with (the {@code vfleet-boot-id} trailer of every
 * {@code vfleet.agent.v1} reply, new at each start of the agent): a different one means the agent
 * restarted since, which is logged and counted ({@code vfleet.assignment.agent.restarts}). What it
 * answered before is still there; a call it did not answer is what reconciliation repairs.
 */
final class AgentBootIds {
    private static final Logger log = LoggerFactory.getLogger(AgentBootIds.class);
    private static final Metadata.Key<String> BOOT_ID = Metadata.Key.of("vfleet-boot-id", Metadata.ASCII_STRING_MARSHALLER);

    private final Map<String, String> bootIds = new ConcurrentHashMap<>();
    private final Counter restarts;

    AgentBootIds(MeterRegistry registry) {
        this.restarts = Counter.builder("vfleet.assignment.agent.restarts")
                .description("Agent restarts seen: a reply whose boot id differs from the node's previous one")
                .register(registry);
    }

    /** Reads the boot id from the trailers of every call to {@code node}'s agent, refusals included. */
    ClientInterceptor of(String node) {
        return new ClientInterceptor() {
            @Override
            public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
                return new ForwardingClientCall.SimpleForwardingClientCall<>(next.newCall(method, options)) {
                    @Override
                    public void start(Listener<R> listener, Metadata headers) {
                        super.start(new ForwardingClientCallListener.SimpleForwardingClientCallListener<>(listener) {
                            @Override
                            public void onClose(Status status, Metadata trailers) {
                                String bootId = trailers.get(BOOT_ID);
                                if (bootId != null) {
                                    observe(node, bootId);
                                }
                                super.onClose(status, trailers);
                            }
                        }, headers);
                    }
                };
            }
        };
    }

    /** The boot id {@code node}'s agent last answered with, if it answered yet. */
    Optional<String> bootId(String node) {
        return Optional.ofNullable(bootIds.get(node));
    }

    private void observe(String node, String bootId) {
        String before = bootIds.put(node, bootId);
        if (before != null && !before.equals(bootId)) {
            restarts.increment();
            log.warn("The agent of node {} restarted (boot id {}, was {}): its answers so far stand, calls it did not answer "
                    + "are left to reconciliation", node, bootId, before);
        }
    }
}
