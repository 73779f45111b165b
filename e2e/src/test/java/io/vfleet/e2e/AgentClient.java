package io.vfleet.e2e;

import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.vfleet.api.agent.v1.NodeAgentGrpc;
import io.vfleet.api.agent.v1.SyscallsGrpc;
import java.util.concurrent.TimeUnit;

/**
 * An agent's two public gRPC services, as a VMM or the assignment service reaches them. A fresh
 * client is made after the agent restarts, so that no reconnect backoff delays the test.
 */
final class AgentClient implements AutoCloseable {
    private static final long DEADLINE_SECONDS = 30;

    private final ManagedChannel channel;

    AgentClient(String target) {
        this.channel = NettyChannelBuilder.forTarget(target).usePlaintext().build();
    }

    NodeAgentGrpc.NodeAgentBlockingStub nodeAgent() {
        return NodeAgentGrpc.newBlockingStub(channel).withDeadlineAfter(DEADLINE_SECONDS, TimeUnit.SECONDS);
    }

    NodeAgentGrpc.NodeAgentFutureStub nodeAgentAsync() {
        return NodeAgentGrpc.newFutureStub(channel).withDeadlineAfter(DEADLINE_SECONDS, TimeUnit.SECONDS);
    }

    SyscallsGrpc.SyscallsBlockingStub syscalls() {
        return SyscallsGrpc.newBlockingStub(channel).withDeadlineAfter(DEADLINE_SECONDS, TimeUnit.SECONDS);
    }

    @Override
    public void close() throws InterruptedException {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
}
