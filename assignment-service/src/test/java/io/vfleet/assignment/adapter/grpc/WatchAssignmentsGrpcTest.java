package io.vfleet.assignment.adapter.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.google.protobuf.Any;
import com.google.rpc.ErrorInfo;
import io.grpc.Context;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.protobuf.StatusProto;
import io.grpc.stub.MetadataUtils;
import io.vfleet.api.assignment.v1.AssignRequest;
import io.vfleet.api.assignment.v1.AssignmentsGrpc;
import io.vfleet.api.assignment.v1.ReleaseRequest;
import io.vfleet.api.assignment.v1.WatchAssignmentsRequest;
import io.vfleet.api.assignment.v1.WatchAssignmentsResponse;
import io.vfleet.assignment.support.ServiceTest;
import io.vfleet.assignment.support.ServiceTestBase;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@code WatchAssignments}: list, Synced, each revision's changes; resumed after a broken stream with nothing lost or repeated. */
@ServiceTest
class WatchAssignmentsGrpcTest extends ServiceTestBase {

    private final ManagedChannel channel = InProcessChannelBuilder.forName(ServiceTest.GRPC_IN_PROCESS).build();

    @AfterEach
    void closeTheChannel() throws InterruptedException {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }

    private AssignmentsGrpc.AssignmentsBlockingStub as(String token) {
        Metadata headers = new Metadata();
        headers.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + token);
        return AssignmentsGrpc.newBlockingStub(channel).withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
    }

    private String assign(String tenant, String device) {
        return as("operator-token").assign(AssignRequest.newBuilder().setTenant(tenant).setNode("n1").addDevices(device)
                .build()).getAssignment().getId();
    }

    /** A watch whose stream the test can break by cancelling its context. */
    private record Watch(Context.CancellableContext context, Iterator<WatchAssignmentsResponse> responses) {

        List<String> changes(int count, long[] lastRevision) {
            List<String> seen = new ArrayList<>();
            while (seen.size() < count) {
                WatchAssignmentsResponse response = responses.next();
                if (response.hasChanged()) {
                    assertThat(response.getChanged().getRevision()).isGreaterThan(lastRevision[0]);
                    lastRevision[0] = response.getChanged().getRevision();
                    response.getChanged().getAssignmentsList().forEach(assignment ->
                            seen.add(assignment.getId() + " " + assignment.getState()));
                }
            }
            return seen;
        }
    }

    private Watch watch(String token, WatchAssignmentsRequest request) {
        Context.CancellableContext context = Context.current().withCancellation();
        Context previous = context.attach();
        try {
            return new Watch(context, as(token).withDeadlineAfter(30, TimeUnit.SECONDS).watchAssignments(request));
        } finally {
            context.detach(previous);
        }
    }

    @Test
    void aBrokenStreamResumesAfterItsLastRevisionWithNothingLostOrRepeated() {
        String listed = assign("acme", "0000:01:00.0");
        Watch first = watch("operator-token", WatchAssignmentsRequest.getDefaultInstance());
        WatchAssignmentsResponse list = first.responses().next();
        WatchAssignmentsResponse synced = first.responses().next();
        long[] last = {synced.getSynced().getRevision()};
        String second = assign("globex", "0000:06:00.0");
        List<String> beforeTheBreak = first.changes(2, last);
        long breakAt = last[0];
        first.context().cancel(null);

        as("operator-token").release(ReleaseRequest.newBuilder().setId(second).build());
        String third = assign("acme", "0000:03:00.0");
        Watch again = watch("operator-token", WatchAssignmentsRequest.newBuilder().setResumeAfterRevision(last[0]).build());
        WatchAssignmentsResponse resumed = again.responses().next();
        List<String> afterTheBreak = again.changes(4, last);
        again.context().cancel(null);

        assertThat(list.getListChunk().getAssignmentsList()).extracting(assignment -> assignment.getId()).containsExactly(listed);
        assertThat(beforeTheBreak).containsExactly(second + " PREPARING", second + " ACTIVE");
        assertThat(resumed.getSynced().getRevision()).isEqualTo(breakAt);
        assertThat(afterTheBreak).containsExactly(second + " RELEASING", second + " RELEASED", third + " PREPARING",
                third + " ACTIVE");
    }

    @Test
    void aTenantScopedWatcherSeesItsTenantOnly() {
        Watch watch = watch("acme-token", WatchAssignmentsRequest.getDefaultInstance());
        long[] last = {watch.responses().next().getSynced().getRevision()};
        assign("globex", "0000:06:00.0");
        String mine = assign("acme", "0000:01:00.0");

        List<String> seen = watch.changes(2, last);
        watch.context().cancel(null);

        assertThat(seen).containsExactly(mine + " PREPARING", mine + " ACTIVE");
    }

    @Test
    void aRevisionTheLogNoLongerKeepsIsRelistRequired() {
        long now = jdbc.queryForObject("select pg_snapshot_xmin(pg_current_snapshot())::text::bigint - 1", Long.class);
        jdbc.update("update assignment.assignment_changes_kept set oldest_resumable = ?", now);

        StatusRuntimeException refused = catchThrowableOfType(StatusRuntimeException.class, () -> watch("operator-token",
                WatchAssignmentsRequest.newBuilder().setResumeAfterRevision(now - 1).build()).responses().next());

        assertThat(refused.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
        ErrorInfo info = StatusProto.fromThrowable(refused).getDetailsList().stream().filter(detail -> detail.is(ErrorInfo.class))
                .map(WatchAssignmentsGrpcTest::errorInfo).findFirst().orElseThrow();
        assertThat(info.getReason()).isEqualTo("RELIST_REQUIRED");
        assertThat(info.getMetadataMap()).containsEntry("oldest_resumable_revision", Long.toString(now));
    }

    private static ErrorInfo errorInfo(Any detail) {
        try {
            return detail.unpack(ErrorInfo.class);
        } catch (com.google.protobuf.InvalidProtocolBufferException unreadable) {
            throw new AssertionError(unreadable);
        }
    }
}
