package io.vfleet.agent.grpc;

import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.MetadataUtils;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vfleet.agent.TestAgent;
import io.vfleet.agent.state.AgentHost;
import io.vfleet.agent.vmm.Preparations;
import io.vfleet.api.agent.v1.NodeAgentGrpc;
import io.vfleet.api.agent.v1.SyscallsGrpc;
import io.vfleet.security.SecurityProperties;
import io.vfleet.security.StaticTokens;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Both services of one agent on an in-process server, replies held until durable, with real blocking
 * stubs; the system calls pass {@link SyscallsAccess} as an operator's (the local stack's static
 * token), so they reach every process.
 */
final class InProcessAgent implements AutoCloseable {
    static final String BOOT_ID = "in-process-boot";
    static final String OPERATOR_TOKEN = "operator-token";

    final TestAgent agent;
    final AgentHost host;
    final Preparations preparations;
    final SyscallsGrpc.SyscallsBlockingStub syscalls;
    final NodeAgentGrpc.NodeAgentBlockingStub nodeAgent;
    private final Server server;
    private final ManagedChannel channel;

    InProcessAgent(TestAgent agent) {
        this.agent = agent;
        this.host = agent.host();
        this.preparations = agent.preparations();
        String name = InProcessServerBuilder.generateName();
        DurableReplies replies = new DurableReplies(agent.journal(), BOOT_ID, new SimpleMeterRegistry());
        SyscallsAccess access = new SyscallsAccess(preparations, new StaticTokens(List.of(
                new SecurityProperties.StaticToken(OPERATOR_TOKEN, "operator", null, null, "test-operator"))));
        try {
            // The last interceptor named is the outermost: every reply, a refusal of access too, waits and carries the boot id.
            server = InProcessServerBuilder.forName(name)
                    .directExecutor()
                    .addService(ServerInterceptors.intercept(new SyscallsService(host, new SimpleMeterRegistry()), access, replies))
                    .addService(ServerInterceptors.intercept(new NodeAgentService(host, preparations, new SimpleMeterRegistry()),
                            replies))
                    .build()
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        channel = InProcessChannelBuilder.forName(name).directExecutor().build();
        syscalls = as(OPERATOR_TOKEN);
        nodeAgent = NodeAgentGrpc.newBlockingStub(channel);
    }

    ManagedChannel channel() {
        return channel;
    }

    /** System calls with {@code credential} as the bearer: an assignment's, or a token. */
    SyscallsGrpc.SyscallsBlockingStub as(String credential) {
        Metadata headers = new Metadata();
        headers.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + credential);
        return SyscallsGrpc.newBlockingStub(channel).withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
    }

    @Override
    public void close() throws InterruptedException {
        channel.shutdownNow();
        server.shutdownNow();
        server.awaitTermination(5, TimeUnit.SECONDS);
        agent.close();
    }
}
