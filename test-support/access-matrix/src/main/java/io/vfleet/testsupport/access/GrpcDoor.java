package io.vfleet.testsupport.access;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Knocks on a gRPC method with an empty request (every proto3 message's default), as one caller, and
 * says what the door did: refused it ({@code UNAUTHENTICATED}, {@code PERMISSION_DENIED}) or let it
 * through, whatever the method then answered (a stream that starts, or one that sends nothing before
 * the deadline, was let through). Any method of any service, without its stubs.
 */
public final class GrpcDoor {

    private static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

    private static final MethodDescriptor.Marshaller<byte[]> BYTES = new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(byte[] value) {
            return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
            try {
                return stream.readAllBytes();
            } catch (IOException unreadable) {
                throw new UncheckedIOException(unreadable);
            }
        }
    };

    private GrpcDoor() {
    }

    /** The outcome of calling {@code fullMethodName} on {@code channel} with bearer {@code token} (none when null). */
    public static AccessMatrix.Outcome knock(Channel channel, String fullMethodName, String token) throws Exception {
        return knock(channel, fullMethodName, token, new byte[0]);
    }

    /** The same, with a request of the caller's own ({@code request}, the message's bytes). */
    public static AccessMatrix.Outcome knock(Channel channel, String fullMethodName, String token, byte[] request)
            throws Exception {
        MethodDescriptor<byte[], byte[]> method = MethodDescriptor.<byte[], byte[]>newBuilder()
                .setType(MethodDescriptor.MethodType.UNKNOWN).setFullMethodName(fullMethodName)
                .setRequestMarshaller(BYTES).setResponseMarshaller(BYTES).build();
        ClientCall<byte[], byte[]> call = channel.newCall(method, CallOptions.DEFAULT.withDeadlineAfter(3, TimeUnit.SECONDS));
        CompletableFuture<Status> answer = new CompletableFuture<>();
        Metadata headers = new Metadata();
        if (token != null) {
            headers.put(AUTHORIZATION, "Bearer " + token);
        }
        call.start(new ClientCall.Listener<>() {
            @Override
            public void onHeaders(Metadata responseHeaders) {
                answer.complete(Status.OK);
            }

            @Override
            public void onMessage(byte[] message) {
                answer.complete(Status.OK);
            }

            @Override
            public void onClose(Status status, Metadata trailers) {
                answer.complete(status);
            }
        }, headers);
        call.request(1);
        call.sendMessage(request);
        call.halfClose();
        Status status = answer.get(10, TimeUnit.SECONDS);
        call.cancel("the door's answer is known", null);
        return switch (status.getCode()) {
            case UNAUTHENTICATED -> AccessMatrix.Outcome.UNAUTHENTICATED;
            case PERMISSION_DENIED -> AccessMatrix.Outcome.FORBIDDEN;
            default -> AccessMatrix.Outcome.ALLOWED;
        };
    }
}
