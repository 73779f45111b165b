package io.vfleet.agent.grpc;

import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vfleet.agent.kernel.AgentHost;
import io.vfleet.agent.vmm.AssignmentTable;
import io.vfleet.agent.vmm.Preparations;
import io.vfleet.api.agent.v1.NodeAgentGrpc;
import io.vfleet.api.agent.v1.SyscallsGrpc;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** Both services of one agent host on an in-process server, with real blocking stubs. */
final class InProcessAgent implements AutoCloseable {
    final AgentHost host;
    final SyscallsGrpc.SyscallsBlockingStub syscalls;
    final NodeAgentGrpc.NodeAgentBlockingStub nodeAgent;
    private final Server server;
    private final ManagedChannel channel;

    InProcessAgent(AgentHost host, Path stateDirectory) {
        this.host = host;
        String name = InProcessServerBuilder.generateName();
        Preparations preparations = new Preparations(host, new AssignmentTable(stateDirectory));
        try {
            server = InProcessServerBuilder.forName(name)
                    .directExecutor()
                    .addService(new SyscallsService(host, new SimpleMeterRegistry()))
                    .addService(new NodeAgentService(host, preparations, new SimpleMeterRegistry()))
                    .build()
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        channel = InProcessChannelBuilder.forName(name).directExecutor().build();
        syscalls = SyscallsGrpc.newBlockingStub(channel);
        nodeAgent = NodeAgentGrpc.newBlockingStub(channel);
    }

    @Override
    public void close() throws InterruptedException {
        channel.shutdownNow();
        server.shutdownNow();
        server.awaitTermination(5, TimeUnit.SECONDS);
        host.close();
    }
}
