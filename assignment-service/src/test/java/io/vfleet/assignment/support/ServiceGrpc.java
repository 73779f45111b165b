package io.vfleet.assignment.support;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.protobuf.StatusProto;
import io.grpc.stub.MetadataUtils;
import io.vfleet.api.assignment.v1.AssignmentsGrpc;
import java.util.concurrent.TimeUnit;

/** The service's {@code vfleet.assignment.v1} as a gRPC caller reaches it in a {@link ServiceTest}: in process. */
public final class ServiceGrpc implements AutoCloseable {
    private static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

    private final ManagedChannel channel = InProcessChannelBuilder.forName(ServiceTest.GRPC_IN_PROCESS).build();

    /** Calls made with {@code token} as their bearer token. */
    public AssignmentsGrpc.AssignmentsBlockingStub as(String token) {
        Metadata headers = new Metadata();
        headers.put(AUTHORIZATION, "Bearer " + token);
        return AssignmentsGrpc.newBlockingStub(channel).withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
    }

    /** The detail of {@code type} a failed call carries; the test fails when it has none. */
    public static <T extends Message> T detail(StatusRuntimeException failure, Class<T> type) {
        for (Any detail : StatusProto.fromThrowable(failure).getDetailsList()) {
            if (detail.is(type)) {
                try {
                    return detail.unpack(type);
                } catch (InvalidProtocolBufferException unreadable) {
                    throw new AssertionError(unreadable);
                }
            }
        }
        throw new AssertionError("no " + type.getSimpleName() + " in " + failure);
    }

    @Override
    public void close() throws InterruptedException {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
}
