package io.vfleet.agent;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.common.util.concurrent.ListenableFuture;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.stub.MetadataUtils;
import io.vfleet.agent.grpc.DurableReplies;
import io.vfleet.api.agent.v1.IoctlRequest;
import io.vfleet.api.agent.v1.IommuIoasMap;
import io.vfleet.api.agent.v1.IommuIoasUnmap;
import io.vfleet.api.agent.v1.ListPreparedRequest;
import io.vfleet.api.agent.v1.ListPreparedResponse;
import io.vfleet.api.agent.v1.MmapRequest;
import io.vfleet.api.agent.v1.NodeAgentGrpc;
import io.vfleet.api.agent.v1.PrepareRequest;
import io.vfleet.api.agent.v1.PrepareResponse;
import io.vfleet.api.agent.v1.SyscallsGrpc;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * kill -9 of the real agent process at the point a failpoint holds it, then a restart on the same
 * state directory. Each test checks the agent is held at the point (the failpoint's marker) before it
 * kills: the kill is aimed, not timed.
 */
class AgentCrashTest {
    private static final String GPU = "0000:18:00.0";
    private static final long GUEST_RAM = 2L << 20;
    private static final int SIGKILLED = 128 + 9;

    @TempDir
    Path directory;

    private ChildAgent agent;
    private ManagedChannel channel;

    private void start(String failpoint) throws Exception {
        // C1 only: these agents live for a few calls, so starting fast matters more than peak speed.
        List<String> jvm = failpoint == null ? List.of("-Xmx192m", "-XX:TieredStopAtLevel=1")
                : List.of("-Xmx192m", "-XX:TieredStopAtLevel=1", "-Dvfleet.agent.failpoint=" + failpoint,
                        "-Dvfleet.agent.failpoint.marker=" + marker());
        agent = ChildAgent.start(topology(), directory.resolve("state"), jvm, List.of());
        channel = agent.channel();
    }

    @AfterEach
    void stop() throws InterruptedException {
        if (channel != null) {
            channel.shutdownNow();
        }
        if (agent != null) {
            agent.close();
        }
    }

    /** Held right after the map's answer was sent; the Prepare answered before it is there too. */
    @Test
    void aMapAnsweredJustBeforeAKillIsThereAfterTheRestart() throws Exception {
        start("reply-sent:vfleet.agent.v1.Syscalls/Ioctl");
        AtomicReference<Metadata> trailers = new AtomicReference<>();
        PrepareResponse prepared = nodeAgent()
                .withInterceptors(MetadataUtils.newCaptureMetadataInterceptor(new AtomicReference<>(), trailers))
                .prepare(prepareRequest());
        String bootBefore = trailers.get().get(DurableReplies.BOOT_ID);
        var syscalls = syscalls(prepared);
        long guestRam = syscalls.mmap(MmapRequest.newBuilder().setPid(prepared.getPid()).setLength(GUEST_RAM).setProt(3).build())
                .getAddr();

        long iova = syscalls.ioctl(map(prepared, guestRam)).getIommuIoasMap().getIova();

        assertThat(awaitMarker()).isEqualTo("reply-sent vfleet.agent.v1.Syscalls/Ioctl\n");
        assertThat(agent.kill()).as("killed by SIGKILL").isEqualTo(SIGKILLED);
        channel.shutdownNow();
        start(null);

        var unmapped = syscalls(prepared)
                .withInterceptors(MetadataUtils.newCaptureMetadataInterceptor(new AtomicReference<>(), trailers))
                .ioctl(IoctlRequest.newBuilder().setPid(prepared.getPid()).setFd(prepared.getIommufd())
                        .setIommuIoasUnmap(IommuIoasUnmap.newBuilder().setIoasId(prepared.getIoasId()).setIova(iova)
                                .setLength(GUEST_RAM)).build());
        assertThat(unmapped.getIommuIoasUnmap().getLength()).as("the map answered before the kill is there").isEqualTo(GUEST_RAM);
        assertThat(trailers.get().get(DurableReplies.BOOT_ID)).as("a new boot id tells callers the agent restarted")
                .isNotNull().isNotEqualTo(bootBefore);
        ListPreparedResponse listed = nodeAgent().listPrepared(ListPreparedRequest.getDefaultInstance());
        assertThat(listed.getAssignmentsList()).singleElement().satisfies(assignment ->
                assertThat(assignment.getPrepared()).isEqualTo(prepared));
    }

    /**
     * Held after the journal wrote the Prepare's frame and before it synced it: the caller has no
     * answer, and a process kill keeps what reached the page cache, so after the restart the Prepare is
     * there whole (its VMM, files and table entry together), never in part.
     */
    @Test
    void aPrepareKilledBetweenItsWriteAndItsSyncIsNotAnsweredAndComesBackWhole() throws Exception {
        start("journal-written");

        ListenableFuture<PrepareResponse> pending = NodeAgentGrpc.newFutureStub(channel)
                .withInterceptors(ChildAgent.bearer(ChildAgent.CONTROLLER_TOKEN)).prepare(prepareRequest());

        assertThat(awaitMarker()).startsWith("journal-written ");
        assertThat(pending.isDone()).as("no answer before the sync").isFalse();
        assertThat(agent.kill()).isEqualTo(SIGKILLED);
        ExecutionException lost = org.assertj.core.api.Assertions.catchThrowableOfType(ExecutionException.class,
                () -> pending.get(30, TimeUnit.SECONDS));
        assertThat(Status.fromThrowable(lost.getCause()).getCode()).isEqualTo(Status.Code.UNAVAILABLE);
        channel.shutdownNow();
        start(null);

        ListPreparedResponse listed = nodeAgent().listPrepared(ListPreparedRequest.getDefaultInstance());
        assertThat(listed.getAssignmentsList()).singleElement().satisfies(assignment -> {
            assertThat(assignment.getAssignmentId()).isEqualTo("a-1");
            assertThat(assignment.getPrepared().getDevicesList()).singleElement().satisfies(device ->
                    assertThat(device.getBdf()).isEqualTo(GPU));
        });
        PrepareResponse prepared = listed.getAssignments(0).getPrepared();
        long guestRam = syscalls(prepared).mmap(MmapRequest.newBuilder().setPid(prepared.getPid())
                .setLength(GUEST_RAM).setProt(3).build()).getAddr();
        assertThat(syscalls(prepared).ioctl(map(prepared, guestRam)).hasIommuIoasMap())
                .as("its VMM process holds its iommufd and IOAS, and its credential reaches it").isTrue();
    }

    private NodeAgentGrpc.NodeAgentBlockingStub nodeAgent() {
        return NodeAgentGrpc.newBlockingStub(channel).withInterceptors(ChildAgent.bearer(ChildAgent.CONTROLLER_TOKEN));
    }

    /** As the assignment's VMM calls: with the credential its Prepare answered. */
    private SyscallsGrpc.SyscallsBlockingStub syscalls(PrepareResponse prepared) {
        return SyscallsGrpc.newBlockingStub(channel).withInterceptors(ChildAgent.bearer(prepared.getSyscallsCredential()));
    }

    private static PrepareRequest prepareRequest() {
        return PrepareRequest.newBuilder().setAssignmentId("a-1").setTenant("acme").addDevices(GPU).setWithKvm(true).setEpoch(1).build();
    }

    private static IoctlRequest map(PrepareResponse prepared, long guestRam) {
        return IoctlRequest.newBuilder().setPid(prepared.getPid()).setFd(prepared.getIommufd())
                .setIommuIoasMap(IommuIoasMap.newBuilder().setFlags(1 | 2).setIoasId(prepared.getIoasId())
                        .setUserVa(guestRam).setLength(GUEST_RAM))
                .build();
    }

    private Path marker() {
        return directory.resolve("failpoint-reached");
    }

    /** The failpoint's marker: the agent is held there. */
    private String awaitMarker() throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!Files.exists(marker()) || Files.size(marker()) == 0) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the agent never reached its failpoint; see " + agent.log());
            }
            Thread.sleep(20);
        }
        return Files.readString(marker());
    }

    private static Path topology() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve("deploy/topologies/gpu-server-8x.yaml");
            if (Files.isRegularFile(candidate)) {
                return candidate;
            }
        }
        throw new IllegalStateException("no shipped topology gpu-server-8x");
    }
}
