package io.vfleet.assignment.adapter.agent;

import com.google.rpc.ErrorInfo;
import io.grpc.CallCredentials;
import io.grpc.Channel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import io.vfleet.api.agent.v1.ListPreparedRequest;
import io.vfleet.api.agent.v1.NodeAgentGrpc;
import io.vfleet.api.agent.v1.PrepareRequest;
import io.vfleet.api.agent.v1.PrepareResponse;
import io.vfleet.api.agent.v1.PreparedAssignment;
import io.vfleet.api.agent.v1.ReleaseRequest;
import io.vfleet.api.agent.v1.ReleaseResponse;
import io.vfleet.api.agent.v1.HotResetRequest;
import io.vfleet.assignment.application.port.NodeAgents;
import io.vfleet.assignment.application.port.NodeAgents.Refusal;
import io.vfleet.assignment.domain.AgentAnswer;
import io.vfleet.assignment.domain.Preparation;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The fleet's agents over gRPC {@code vfleet.agent.v1.NodeAgent}, one channel per node.
 *
 * <p>Failures are translated once, here: UNAVAILABLE and DEADLINE_EXCEEDED mean the outcome is
 * unknown ({@link NodeAgents.AgentUnreachable}); every other status is a refusal, whose
 * {@code ErrorInfo} reason (an errno name with its number in {@code metadata.errno}, or one of the
 * agent's own reasons) becomes one of the closed set {@link NodeAgents.Refusal}, keeping the agent's
 * words and the {@code device} metadata.
 * Every call carries the service's bearer token, when one is configured, as the agents require it.
 */
final class GrpcNodeAgents implements NodeAgents {
    private static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

    private final Function<String, Channel> channels;
    private final Duration deadline;
    private final CallCredentials credentials;

    /** Calls without a token, for agents that accept anyone. */
    GrpcNodeAgents(Function<String, Channel> channels, Duration deadline) {
        this(channels, deadline, "");
    }

    /** @param token the bearer token the agents accept from this service; empty sends none */
    GrpcNodeAgents(Function<String, Channel> channels, Duration deadline, String token) {
        this.channels = channels;
        this.deadline = deadline;
        this.credentials = token.isBlank() ? null : bearer(token.strip());
    }

    @Override
    public Preparation prepare(String node, PrepareCall call) {
        PrepareResponse response = call(node, () -> stub(node).prepare(PrepareRequest.newBuilder()
                .setAssignmentId(call.assignmentId())
                .setTenant(call.tenant())
                .addAllDevices(call.devices())
                .setWithKvm(call.withKvm())
                .setEpoch(call.epoch())
                .setTerm(call.term())
                .build()));
        return preparation(response);
    }

    @Override
    public Released release(String node, ReleaseCall call) {
        ReleaseResponse response = call(node, () -> stub(node).release(ReleaseRequest.newBuilder()
                .setAssignmentId(call.assignmentId())
                .setReset(call.reset())
                .setEpoch(call.epoch())
                .setTerm(call.term())
                .addAllFenced(call.fenced())
                .build()));
        return new Released(response.getReleased(), response.getFunctionResetList(), response.getSetResetList(),
                response.getLeftToSetResetList());
    }

    @Override
    public List<String> hotReset(String node, HotResetCall call) {
        return List.copyOf(call(node, () -> stub(node).hotReset(HotResetRequest.newBuilder()
                .setAssignmentId(call.assignmentId())
                .setDevice(call.device())
                .setEpoch(call.epoch())
                .setTerm(call.term())
                .addAllFenced(call.fenced())
                .build())).getAffectedList());
    }

    @Override
    public List<Prepared> listPrepared(String node) {
        List<PreparedAssignment> prepared = call(node,
                () -> stub(node).listPrepared(ListPreparedRequest.getDefaultInstance())).getAssignmentsList();
        return prepared.stream()
                .map(entry -> new Prepared(entry.getAssignmentId(), entry.getTenant(), entry.getEpoch(),
                        preparation(entry.getPrepared())))
                .toList();
    }

    private NodeAgentGrpc.NodeAgentBlockingStub stub(String node) {
        NodeAgentGrpc.NodeAgentBlockingStub stub = NodeAgentGrpc.newBlockingStub(channels.apply(node))
                .withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS);
        return credentials == null ? stub : stub.withCallCredentials(credentials);
    }

    private static CallCredentials bearer(String token) {
        return new CallCredentials() {
            @Override
            public void applyRequestMetadata(RequestInfo requestInfo, Executor executor, MetadataApplier applier) {
                Metadata headers = new Metadata();
                headers.put(AUTHORIZATION, "Bearer " + token);
                applier.apply(headers);
            }
        };
    }

    private static Preparation preparation(PrepareResponse response) {
        return new Preparation(Integer.toUnsignedLong(response.getIoasId()),
                response.getHwptIdsList().stream().map(Integer::toUnsignedLong).toList(),
                response.getDevicesList().stream()
                        .map(device -> new Preparation.Device(device.getBdf(), Integer.toUnsignedLong(device.getDevid()),
                                Integer.toUnsignedLong(device.getHwptId()), device.getFunctionReset()))
                        .toList());
    }

    private static <T> T call(String node, Supplier<T> rpc) {
        try {
            return rpc.get();
        } catch (StatusRuntimeException failed) {
            Status.Code code = failed.getStatus().getCode();
            if (code == Status.Code.UNAVAILABLE || code == Status.Code.DEADLINE_EXCEEDED) {
                throw new AgentUnreachable(node, failed);
            }
            throw refusal(failed);
        } catch (UnknownNode unknown) {
            throw new AgentUnreachable(node, unknown);
        }
    }

    static AgentRefused refusal(StatusRuntimeException failed) {
        com.google.rpc.Status status = StatusProto.fromThrowable(failed);
        if (status != null) {
            for (com.google.protobuf.Any detail : status.getDetailsList()) {
                if (detail.is(ErrorInfo.class)) {
                    try {
                        ErrorInfo info = detail.unpack(ErrorInfo.class);
                        Integer errno = errnoNumber(info.getMetadataOrDefault("errno", null));
                        String device = info.getMetadataOrDefault("device", null);
                        return new AgentRefused(refusalOf(info.getReason(), errno), new AgentAnswer(info.getReason(), errno),
                                device, status.getMessage());
                    } catch (com.google.protobuf.InvalidProtocolBufferException unreadable) {
                        break;
                    }
                }
            }
        }
        return new AgentRefused(Refusal.OTHER, new AgentAnswer(failed.getStatus().getCode().name(), null), null,
                String.valueOf(failed.getStatus().getDescription()));
    }

    /**
     * The closed set for what the agent said: its own reasons by name, and a kernel errno (a reason
     * that comes with its number) by what it means for the device.
     */
    static Refusal refusalOf(String reason, Integer errno) {
        if (errno == null) {
            return switch (reason) {
                case "STALE_EPOCH" -> Refusal.STALE_EPOCH;
                case "UNKNOWN_DEVICE" -> Refusal.NO_DEVICE;
                case "NOT_FENCED" -> Refusal.NOT_FENCED;
                case "NOT_PREPARED" -> Refusal.NOT_PREPARED;
                case "ASSIGNMENT_CONFLICT", "INVALID_ORDER", "DEVICE_NOT_IN_ASSIGNMENT" -> Refusal.ORDER_REJECTED;
                default -> Refusal.OTHER;
            };
        }
        return switch (reason) {
            case "EBUSY" -> Refusal.BUSY;
            case "ENODEV", "ENOENT", "ENXIO" -> Refusal.NO_DEVICE;
            case "EPERM", "EACCES" -> Refusal.DENIED;
            case "ENOMEM", "ENOSPC", "EMFILE" -> Refusal.EXHAUSTED;
            default -> Refusal.INVALID;
        };
    }

    private static Integer errnoNumber(String text) {
        if (text == null) {
            return null;
        }
        try {
            return Integer.valueOf(text);
        } catch (NumberFormatException garbled) {
            return null;
        }
    }

    /** No endpoint is configured for the node: as unreachable as an agent that is down. */
    static final class UnknownNode extends RuntimeException {
        UnknownNode(String node) {
            super("neither the configuration nor the inventory gives an agent endpoint for node " + node);
        }
    }
}
