package io.vfleet.agent.grpc;

import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vfleet.agent.TestAgent;
import io.vfleet.agent.kernel.AgentHost;
import io.vfleet.api.agent.v1.NodeAgentGrpc;
import io.vfleet.api.agent.v1.SyscallsGrpc;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.concurrent.TimeUnit;

/** Both services of one agent on an in-process server, replies held until durable, with real blocking stubs. */
final class InProcessAgent implements AutoCloseable {
    static final String BOOT_ID = "in-process-boot";

    final TestAgent agent;
    final AgentHost host;
    final SyscallsGrpc.SyscallsBlockingStub syscalls;
    final NodeAgentGrpc.NodeAgentBlockingStub nodeAgent;
    private final Server server;
    private final ManagedChannel channel;

    InProcessAgent(TestAgent agent) {
        this.agent = agent;
        this.host = agent.host();
        String name = InProcessServerBuilder.generateName();
        DurableReplies replies = new DurableReplies(agent.journal(), BOOT_ID, new SimpleMeterRegistry());
        try {
            server = InProcessServerBuilder.forName(name)
                    .directExecutor()
                    .addService(ServerInterceptors.intercept(new SyscallsService(host, new SimpleMeterRegistry()), replies))
                    .addService(ServerInterceptors.intercept(new NodeAgentService(host, agent.preparations(),
                            new SimpleMeterRegistry()), replies))
                    .build()
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        channel = InProcessChannelBuilder.forName(name).directExecutor().build();
        syscalls = SyscallsGrpc.newBlockingStub(channel);
        nodeAgent = NodeAgentGrpc.newBlockingStub(channel);
    }

    ManagedChannel channel() {
        return channel;
    }

    @Override
    public void close() throws InterruptedException {
        channel.shutdownNow();
        server.shutdownNow();
        server.awaitTermination(5, TimeUnit.SECONDS);
        agent.close();
    }
}
