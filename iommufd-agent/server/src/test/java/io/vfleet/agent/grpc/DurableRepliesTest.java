package io.vfleet.agent.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.google.rpc.ErrorInfo;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import io.grpc.stub.MetadataUtils;
import io.vfleet.agent.AgentHosts;
import io.vfleet.agent.TestAgent;
import io.vfleet.api.agent.v1.CloseRequest;
import io.vfleet.api.agent.v1.ListPreparedRequest;
import io.vfleet.api.agent.v1.NodeAgentGrpc;
import io.vfleet.api.agent.v1.PrepareRequest;
import io.vfleet.api.agent.v1.SpawnRequest;
import io.vfleet.api.agent.v1.SyscallsGrpc;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every reply of both services waits for the journal and names the agent's boot id. */
class DurableRepliesTest {
    @TempDir
    Path state;

    private InProcessAgent agent() {
        return new InProcessAgent(TestAgent.open(AgentHosts.shipped("gpu-server-8x"), state));
    }

    @Test
    void whatAReplyAnsweredIsOnDiskWhenTheCallerHasIt() throws Exception {
        try (InProcessAgent agent = agent()) {
            var prepared = agent.nodeAgent.prepare(PrepareRequest.newBuilder().setAssignmentId("a-1").setTenant("acme")
                    .addDevices("0000:18:00.0").setEpoch(1).build());
            int pid = agent.syscalls.spawn(SpawnRequest.newBuilder().setName("qemu").setUid(107).build()).getPid();

            // The agent goes on running; a second one reads its state directory as a start after a crash would.
            try (TestAgent afterCrash = TestAgent.open(AgentHosts.shipped("gpu-server-8x"), state)) {
                assertThat(afterCrash.preparations().prepared()).singleElement().satisfies(assignment ->
                        assertThat(assignment.prepared().pid()).isEqualTo(prepared.getPid()));
                boolean spawned = afterCrash.host().inspect(host -> host.pids().contains(pid));
                assertThat(spawned).isTrue();
            }
        }
    }

    @Test
    void successesAndRefusalsOfBothServicesCarryTheBootId() throws Exception {
        try (InProcessAgent agent = agent()) {
            AtomicReference<Metadata> trailers = new AtomicReference<>();
            var capture = MetadataUtils.newCaptureMetadataInterceptor(new AtomicReference<>(), trailers);

            NodeAgentGrpc.newBlockingStub(agent.channel()).withInterceptors(capture).listPrepared(ListPreparedRequest.getDefaultInstance());
            assertThat(trailers.getAndSet(null).get(DurableReplies.BOOT_ID)).isEqualTo(InProcessAgent.BOOT_ID);

            StatusRuntimeException refused = catchThrowableOfType(StatusRuntimeException.class, () ->
                    agent.as(InProcessAgent.OPERATOR_TOKEN).withInterceptors(capture)
                            .close(CloseRequest.newBuilder().setPid(4242).setFd(3).build()));
            assertThat(refused.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
            assertThat(refused.getTrailers().get(DurableReplies.BOOT_ID)).isEqualTo(InProcessAgent.BOOT_ID);

            StatusRuntimeException unauthenticated = catchThrowableOfType(StatusRuntimeException.class, () ->
                    SyscallsGrpc.newBlockingStub(agent.channel()).close(CloseRequest.newBuilder().setPid(4242).setFd(3).build()));
            assertThat(unauthenticated.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
            assertThat(unauthenticated.getTrailers().get(DurableReplies.BOOT_ID)).isEqualTo(InProcessAgent.BOOT_ID);
        }
    }

    @Test
    void onceTheJournalFailedEveryReplyIsUnavailableRatherThanAnAnswerThatIsNotOnDisk() throws Exception {
        try (InProcessAgent agent = agent()) {
            Files.createDirectory(state.resolve("journal-00000000000000000001.log"));

            StatusRuntimeException failed = catchThrowableOfType(StatusRuntimeException.class, () ->
                    agent.syscalls.spawn(SpawnRequest.newBuilder().setName("qemu").setUid(107).build()));
            StatusRuntimeException after = catchThrowableOfType(StatusRuntimeException.class, () ->
                    agent.nodeAgent.listPrepared(ListPreparedRequest.getDefaultInstance()));

            for (StatusRuntimeException refusal : java.util.List.of(failed, after)) {
                assertThat(refusal.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
                assertThat(StatusProto.fromThrowable(refusal).getDetails(0).unpack(ErrorInfo.class).getReason())
                        .isEqualTo("NOT_DURABLE");
                assertThat(refusal.getTrailers().get(DurableReplies.BOOT_ID)).isEqualTo(InProcessAgent.BOOT_ID);
            }
        }
    }
}
