package io.vfleet.e2e;

import io.grpc.CallCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.netty.NettyChannelBuilder;
import io.vfleet.api.agent.v1.NodeAgentGrpc;
import io.vfleet.api.agent.v1.SyscallsGrpc;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

/**
 * An agent's two public gRPC services, as a VMM or the assignment service reaches them. A fresh
 * client is made after the agent restarts, so that no reconnect backoff delays the test. Every call
 * carries the given bearer token, as the agents require of their callers.
 */
final class AgentClient implements AutoCloseable {
    private static final long DEADLINE_SECONDS = 30;
    private static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

    private final ManagedChannel channel;
    private final CallCredentials credentials;
    private final CallCredentials syscallsCredentials;

    /** @param token the controller's token for NodeAgent and an operator's for Syscalls; empty sends none, to see the refusal */
    AgentClient(String target, String token) {
        this(target, token, token);
    }

    /** @param nodeAgentToken the controller's; @param syscallsToken an operator's, or an assignment's credential */
    AgentClient(String target, String nodeAgentToken, String syscallsToken) {
        this.channel = NettyChannelBuilder.forTarget(target).usePlaintext().build();
        this.credentials = nodeAgentToken.isEmpty() ? null : bearer(nodeAgentToken);
        this.syscallsCredentials = syscallsToken.isEmpty() ? null : bearer(syscallsToken);
    }

    /** The agent of {@code node} in {@code stack}, as the controller and an operator reach it. */
    static AgentClient of(io.vfleet.stack.Stack stack, String node) {
        return new AgentClient(stack.agentTarget(node), stack.tokens().controller(), stack.tokens().operator());
    }

    NodeAgentGrpc.NodeAgentBlockingStub nodeAgent() {
        NodeAgentGrpc.NodeAgentBlockingStub stub = NodeAgentGrpc.newBlockingStub(channel)
                .withDeadlineAfter(DEADLINE_SECONDS, TimeUnit.SECONDS);
        return credentials == null ? stub : stub.withCallCredentials(credentials);
    }

    NodeAgentGrpc.NodeAgentFutureStub nodeAgentAsync() {
        NodeAgentGrpc.NodeAgentFutureStub stub = NodeAgentGrpc.newFutureStub(channel)
                .withDeadlineAfter(DEADLINE_SECONDS, TimeUnit.SECONDS);
        return credentials == null ? stub : stub.withCallCredentials(credentials);
    }

    SyscallsGrpc.SyscallsBlockingStub syscalls() {
        SyscallsGrpc.SyscallsBlockingStub stub = SyscallsGrpc.newBlockingStub(channel)
                .withDeadlineAfter(DEADLINE_SECONDS, TimeUnit.SECONDS);
        return syscallsCredentials == null ? stub : stub.withCallCredentials(syscallsCredentials);
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

    @Override
    public void close() throws InterruptedException {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
}
