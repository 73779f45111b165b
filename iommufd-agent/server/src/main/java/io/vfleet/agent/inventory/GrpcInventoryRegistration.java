package io.vfleet.agent.inventory;

import io.grpc.CallCredentials;
import io.grpc.Metadata;
import io.grpc.ManagedChannel;
import io.vfleet.agent.kernel.HostKernel;
import io.vfleet.api.inventory.v1.HeartbeatRequest;
import io.vfleet.api.inventory.v1.InventoryGrpc;
import io.vfleet.engine.topology.HostTopology;
import java.time.Duration;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

/**
 * The inventory over gRPC {@code vfleet.inventory.v1}: Register with the node's whole topology,
 * Heartbeat in between, each call with the agent's bearer token and a deadline. Failures surface
 * as the gRPC exception, which {@link RegistrationLoop} retries with backoff.
 */
public final class GrpcInventoryRegistration implements InventoryRegistration, AutoCloseable {
    private static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

    private final ManagedChannel channel;
    private final InventoryGrpc.InventoryBlockingStub inventory;
    private final HostKernel host;
    private final String endpoint;
    private final String version;
    private final Duration deadline;

    /**
     * @param endpoint where the central services reach this agent's gRPC, as they should dial it
     * @param token    this node's agent token (role {@code agent}, scoped to the node)
     */
    public GrpcInventoryRegistration(ManagedChannel channel, String token, HostKernel host, String endpoint, Duration deadline) {
        this.channel = channel;
        this.inventory = InventoryGrpc.newBlockingStub(channel).withCallCredentials(bearer(token));
        this.host = host;
        this.endpoint = endpoint;
        this.version = GrpcInventoryRegistration.class.getPackage().getImplementationVersion() == null
                ? "development" : GrpcInventoryRegistration.class.getPackage().getImplementationVersion();
        this.deadline = deadline;
    }

    @Override
    public void register(HostTopology topology) {
        var request = RegistrationMessages.registration(host, endpoint, version);
        inventory.withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS).register(request);
    }

    @Override
    public void heartbeat(String hostname) {
        inventory.withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS)
                .heartbeat(HeartbeatRequest.newBuilder().setNodeName(hostname).build());
    }

    @Override
    public void close() {
        channel.shutdownNow();
    }

    private static CallCredentials bearer(String token) {
        return new CallCredentials() {
            @Override
            public void applyRequestMetadata(RequestInfo requestInfo, Executor executor, MetadataApplier applier) {
                Metadata headers = new Metadata();
                headers.put(AUTHORIZATION, "Bearer " + token);
                applier.apply(headers);
            }
        };
    }
}
