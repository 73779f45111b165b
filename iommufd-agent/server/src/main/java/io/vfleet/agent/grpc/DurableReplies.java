package io.vfleet.agent.grpc;

import io.grpc.ForwardingServerCall;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.vfleet.agent.failpoint.Failpoint;
import io.vfleet.agent.state.JournalFailure;
import io.vfleet.agent.state.StateJournal;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The one place where every reply of {@code vfleet.agent.v1} (both services, success or refusal) is
 * held until what the agent recorded is on disk, and is stamped with the agent's boot id.
 *
 * <p>Before the first byte of a reply goes out (its headers, or a refusal's trailers), the reply waits
 * for the journal ({@link StateJournal#awaitDurable(long)}): up to the last change the call itself
 * recorded, which comes after everything it could have seen; a call that recorded nothing may have
 * seen any change recorded so far, so it waits for all of them, which costs nothing when they are on
 * disk already. Concurrent replies share the syncs (group commit). If the journal has failed, the
 * reply becomes UNAVAILABLE with ErrorInfo reason {@code NOT_DURABLE}: the caller cannot know whether
 * the call took effect, as after any lost connection.
 *
 * <p>The boot id ({@value #BOOT_ID_HEADER} in the trailers of every reply) is new each time the agent
 * process starts, so a caller that sees it change knows the agent restarted.
 */
public final class DurableReplies implements ServerInterceptor {
    public static final String BOOT_ID_HEADER = "vfleet-boot-id";
    public static final Metadata.Key<String> BOOT_ID = Metadata.Key.of(BOOT_ID_HEADER, Metadata.ASCII_STRING_MARSHALLER);
    /** The agent's own services, NodeAgent and Syscalls; health and reflection answer as they are. */
    private static final String AGENT_PACKAGE = "vfleet.agent.v1.";

    private final StateJournal journal;
    private final String bootId;
    private final Timer waits;

    public DurableReplies(StateJournal journal, String bootId, MeterRegistry meters) {
        this.journal = journal;
        this.bootId = bootId;
        this.waits = Timer.builder("vfleet.agent.reply.durability")
                .description("How long replies waited for the agent's journal to reach disk")
                .register(meters);
    }

    public String bootId() {
        return bootId;
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        String method = call.getMethodDescriptor().getFullMethodName();
        if (!method.startsWith(AGENT_PACKAGE)) {
            return next.startCall(call, headers);
        }
        Reply<Q, R> reply = new Reply<>(call, method);
        return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(next.startCall(reply, headers)) {
            // A unary handler runs here and answers on this thread, so what this thread records is the call's.
            @Override
            public void onHalfClose() {
                journal.takeAppendedByThisThread();
                reply.handler = Thread.currentThread();
                try {
                    super.onHalfClose();
                } finally {
                    reply.handler = null;
                }
            }
        };
    }

    /** One call's reply; gRPC never calls a ServerCall's methods concurrently. */
    private final class Reply<Q, R> extends ForwardingServerCall.SimpleForwardingServerCall<Q, R> {
        private final String method;
        private boolean durable;
        private boolean failed;
        private volatile Thread handler;

        Reply(ServerCall<Q, R> call, String method) {
            super(call);
            this.method = method;
        }

        @Override
        public void sendHeaders(Metadata headers) {
            if (awaitDurable()) {
                super.sendHeaders(headers);
            }
        }

        @Override
        public void sendMessage(R message) {
            if (!failed) {
                super.sendMessage(message);
            }
        }

        @Override
        public void close(Status status, Metadata trailers) {
            if (failed || !awaitDurable()) {
                return;
            }
            trailers.put(BOOT_ID, bootId);
            super.close(status, trailers);
            Failpoint.REPLY_SENT.reach(method);
        }

        private boolean awaitDurable() {
            if (durable) {
                return true;
            }
            long started = System.nanoTime();
            try {
                long own = Thread.currentThread() == handler ? journal.takeAppendedByThisThread() : 0;
                journal.awaitDurable(own > 0 ? own : journal.appended());
                durable = true;
                return true;
            } catch (JournalFailure failure) {
                failed = true;
                StatusRuntimeException refusal = KernelStatus.refusal(Status.Code.UNAVAILABLE, "NOT_DURABLE",
                        "the agent cannot make its state durable and answers nothing until it restarts", Map.of());
                Metadata trailers = refusal.getTrailers() == null ? new Metadata() : refusal.getTrailers();
                trailers.put(BOOT_ID, bootId);
                super.close(refusal.getStatus(), trailers);
                return false;
            } finally {
                waits.record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
            }
        }
    }
}
