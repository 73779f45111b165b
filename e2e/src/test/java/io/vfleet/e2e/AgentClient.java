package io.vfleet.e2e;

import io.grpc.CallCredentials;
import io.grpc.ChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.TlsChannelCredentials;
import io.grpc.netty.NettyChannelBuilder;
import io.vfleet.api.agent.v1.NodeAgentGrpc;
import io.vfleet.api.agent.v1.SyscallsGrpc;
import io.vfleet.stack.Stack;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

/**
 * An agent's two public gRPC services, as a VMM or the assignment service reaches them, over TLS
 * trusting the stack's own authority. A fresh
 * client is made after the agent restarts, so that no reconnect backoff delays the test. Every call
 * carries the given bearer token, as the agents require of their callers.
 */
final class AgentClient implements AutoCloseable {
    private static final long DEADLINE_SECONDS = 30;
    private static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

    private final ManagedChannel channel;
    private final CallCredentials credentials;
    private final CallCredentials syscallsCredentials;

    /**
     * @param transport      TLS trusting the stack's authority, with or without a client certificate
     * @param nodeAgentToken sent on NodeAgent calls; empty sends none
     * @param syscallsToken  an operator's, or an assignment's credential; empty sends none
     */
    private AgentClient(String target, ChannelCredentials transport, String nodeAgentToken, String syscallsToken) {
        this.channel = NettyChannelBuilder.forTarget(target, transport).build();
        this.credentials = nodeAgentToken.isEmpty() ? null : bearer(nodeAgentToken);
        this.syscallsCredentials = syscallsToken.isEmpty() ? null : bearer(syscallsToken);
    }

    /**
     * The agent of {@code node} in {@code stack}, as the controller reaches it (its certificate is its
     * credential for NodeAgent, no token) and an operator (a token) for Syscalls.
     */
    static AgentClient of(Stack stack, String node) {
        return new AgentClient(stack.agentTarget(node), tls(stack, Optional.of(stack.tlsDirectory("assignment-service"))), "",
                stack.tokens().operator());
    }

    /** The agent of {@code node} as the stack's process {@code process} (its certificate), without a token. */
    static AgentClient as(Stack stack, String node, String process) {
        return new AgentClient(stack.agentTarget(node), tls(stack, Optional.of(stack.tlsDirectory(process))), "", "");
    }

    /** The agent of {@code node} over TLS without a client certificate, {@code token} on every call (empty: none). */
    static AgentClient withToken(Stack stack, String node, String token) {
        return new AgentClient(stack.agentTarget(node), tls(stack, Optional.empty()), token, token);
    }

    /** Trusts the stack's authority alone; presents the certificate in {@code identity} when given. */
    static ChannelCredentials tls(Stack stack, Optional<Path> identity) {
        try {
            TlsChannelCredentials.Builder builder = TlsChannelCredentials.newBuilder()
                    .trustManager(stack.authorityCertificate().toFile());
            if (identity.isPresent()) {
                builder.keyManager(identity.get().resolve("tls.crt").toFile(), identity.get().resolve("tls.key").toFile());
            }
            return builder.build();
        } catch (IOException unreadable) {
            throw new UncheckedIOException(unreadable);
        }
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
