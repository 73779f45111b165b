package io.vfleet.agent.grpc;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.vfleet.agent.kernel.HostKernel;
import io.vfleet.agent.messages.TopologyMessages;
import io.vfleet.agent.vmm.Assignment;
import io.vfleet.agent.vmm.AssignmentRefused;
import io.vfleet.agent.vmm.HotResetOrder;
import io.vfleet.agent.vmm.PrepareOrder;
import io.vfleet.agent.vmm.Prepared;
import io.vfleet.agent.vmm.Preparations;
import io.vfleet.agent.vmm.ReleaseOrder;
import io.vfleet.agent.vmm.Released;
import io.vfleet.api.agent.v1.GetTopologyRequest;
import io.vfleet.api.agent.v1.GetTopologyResponse;
import io.vfleet.api.agent.v1.HotResetRequest;
import io.vfleet.api.agent.v1.HotResetResponse;
import io.vfleet.api.agent.v1.ListPreparedRequest;
import io.vfleet.api.agent.v1.ListPreparedResponse;
import io.vfleet.api.agent.v1.NodeAgentGrpc;
import io.vfleet.api.agent.v1.PrepareRequest;
import io.vfleet.api.agent.v1.PrepareResponse;
import io.vfleet.api.agent.v1.PreparedAssignment;
import io.vfleet.api.agent.v1.PreparedDevice;
import io.vfleet.api.agent.v1.ReleaseRequest;
import io.vfleet.api.agent.v1.ReleaseResponse;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * The {@code NodeAgent} service: binds each request to an order, calls {@link Preparations}, renders
 * the answer. A refusal becomes one status: the kernel's errno with the device in ErrorInfo, or the
 * agent's own reason. The answer goes out once what the operation changed is on disk
 * ({@link DurableReplies}), never while {@link Preparations} holds its lock, so that concurrent
 * operations share their syncs.
 */
public final class NodeAgentService extends NodeAgentGrpc.NodeAgentImplBase {
    private static final Logger log = LoggerFactory.getLogger(NodeAgentService.class);

    private final HostKernel host;
    private final Preparations preparations;
    private final MeterRegistry meters;

    public NodeAgentService(HostKernel host, Preparations preparations, MeterRegistry meters) {
        this.host = host;
        this.preparations = preparations;
        this.meters = meters;
    }

    @Override
    public void getTopology(GetTopologyRequest request, StreamObserver<GetTopologyResponse> response) {
        answer("get_topology", "", response, () -> TopologyMessages.of(host));
    }

    @Override
    public void prepare(PrepareRequest request, StreamObserver<PrepareResponse> response) {
        answer("prepare", request.getAssignmentId(), response, () -> {
            Prepared prepared = preparations.prepare(new PrepareOrder(request.getAssignmentId(), request.getTenant(),
                    request.getDevicesList(), request.getWithKvm(), request.getEpoch(), request.getTerm()));
            return prepareResponse(request.getAssignmentId(), prepared);
        });
    }

    @Override
    public void release(ReleaseRequest request, StreamObserver<ReleaseResponse> response) {
        answer("release", request.getAssignmentId(), response, () -> {
            Released released = preparations.release(new ReleaseOrder(request.getAssignmentId(), request.getReset(),
                    request.getEpoch(), request.getFencedList(), request.getTerm()));
            return ReleaseResponse.newBuilder()
                    .setAssignmentId(request.getAssignmentId())
                    .setReleased(released.released())
                    .addAllFunctionReset(released.functionReset())
                    .addAllSetReset(released.setReset())
                    .addAllLeftToSetReset(released.leftToSetReset())
                    .build();
        });
    }

    @Override
    public void hotReset(HotResetRequest request, StreamObserver<HotResetResponse> response) {
        answer("hot_reset", request.getAssignmentId(), response, () -> HotResetResponse.newBuilder()
                .addAllAffected(preparations.hotReset(new HotResetOrder(request.getAssignmentId(), request.getDevice(),
                        request.getEpoch(), request.getFencedList(), request.getTerm())))
                .build());
    }

    @Override
    public void listPrepared(ListPreparedRequest request, StreamObserver<ListPreparedResponse> response) {
        answer("list_prepared", "", response, () -> {
            ListPreparedResponse.Builder list = ListPreparedResponse.newBuilder();
            for (Assignment assignment : preparations.prepared()) {
                list.addAssignments(PreparedAssignment.newBuilder()
                        .setAssignmentId(assignment.id())
                        .setTenant(assignment.tenant())
                        .setEpoch(assignment.epoch())
                        .setWithKvm(assignment.withKvm())
                        .setPrepared(prepareResponse(assignment.id(), assignment.prepared())));
            }
            return list.build();
        });
    }

    static PrepareResponse prepareResponse(String assignmentId, Prepared prepared) {
        List<PreparedDevice> devices = prepared.devices().stream().map(device -> PreparedDevice.newBuilder()
                .setBdf(device.bdf())
                .setCdevPath(device.cdevPath())
                .setFd(device.fd())
                .setDevid(device.devid())
                .setHwptId(device.hwptId())
                .setFunctionReset(device.functionReset())
                .setNoiommu(device.noiommu())
                .build()).toList();
        return PrepareResponse.newBuilder()
                .setAssignmentId(assignmentId)
                .setPid(prepared.pid())
                .setIommufd(prepared.iommufd())
                .setIoasId(prepared.ioasId())
                .addAllDevices(devices)
                .addAllHwptIds(prepared.hwptIds())
                .setVmFd(prepared.vmFd())
                .setSyscallsCredential(prepared.syscallsCredential() == null ? "" : prepared.syscallsCredential())
                .build();
    }

    /**
     * Runs one operation with its assignment id on every log line it writes (under the MDC key
     * {@code "assignment"}) and times it as {@code vfleet_agent_operation_seconds{operation, outcome}}.
     */
    private <M> void answer(String operation, String assignmentId, StreamObserver<M> response, Supplier<M> work) {
        Timer.Sample sample = Timer.start(meters);
        String outcome = "ok";
        try (var ignored = MDC.putCloseable("assignment", assignmentId)) {
            M message;
            try {
                message = work.get();
            } catch (AssignmentRefused refused) {
                outcome = refused.reason() == AssignmentRefused.Reason.KERNEL ? refused.errno().name() : refused.reason().name();
                log.info("{} of {} refused: {}", operation, assignmentId, refused.getMessage());
                response.onError(status(refused));
                return;
            }
            response.onNext(message);
            response.onCompleted();
        } finally {
            sample.stop(meters.timer("vfleet.agent.operation", "operation", operation, "outcome", outcome));
        }
    }

    static StatusRuntimeException status(AssignmentRefused refused) {
        Map<String, String> device = refused.device().isEmpty() ? Map.of() : Map.of("device", refused.device());
        return switch (refused.reason()) {
            case KERNEL -> KernelStatus.of(refused.errno(), refused.getMessage(), device, null);
            case STALE_EPOCH, ASSIGNMENT_CONFLICT, NOT_FENCED ->
                    KernelStatus.refusal(Status.Code.FAILED_PRECONDITION, refused.reason().name(), refused.getMessage(), device);
            case INVALID_ORDER, DEVICE_NOT_IN_ASSIGNMENT ->
                    KernelStatus.refusal(Status.Code.INVALID_ARGUMENT, refused.reason().name(), refused.getMessage(), device);
            case UNKNOWN_DEVICE, NOT_PREPARED ->
                    KernelStatus.refusal(Status.Code.NOT_FOUND, refused.reason().name(), refused.getMessage(), device);
        };
    }
}
