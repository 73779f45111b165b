package io.vfleet.inventory.adapter.grpc;

import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.vfleet.api.inventory.v1.HeartbeatRequest;
import io.vfleet.api.inventory.v1.HeartbeatResponse;
import io.vfleet.api.inventory.v1.InventoryGrpc;
import io.vfleet.api.inventory.v1.ListAndWatchRequest;
import io.vfleet.api.inventory.v1.ListAndWatchResponse;
import io.vfleet.api.inventory.v1.RegisterRequest;
import io.vfleet.api.inventory.v1.RegisterResponse;
import io.vfleet.inventory.application.ListAndWatch;
import io.vfleet.inventory.application.RecordHeartbeat;
import io.vfleet.inventory.application.RegisterNode;
import io.vfleet.security.Caller;
import io.vfleet.security.grpc.Callers;
import org.springframework.stereotype.Service;

/**
 * {@code vfleet.inventory.v1.Inventory}: binds each call to one use case and renders its answer or its
 * refusal ({@link InventoryStatus}). The caller comes from {@link BearerTokenInterceptor}.
 */
@Service
class InventoryService extends InventoryGrpc.InventoryImplBase {
    private final RegisterNode registerNode;
    private final RecordHeartbeat recordHeartbeat;
    private final ListAndWatch listAndWatch;

    InventoryService(RegisterNode registerNode, RecordHeartbeat recordHeartbeat, ListAndWatch listAndWatch) {
        this.registerNode = registerNode;
        this.recordHeartbeat = recordHeartbeat;
        this.listAndWatch = listAndWatch;
    }

    @Override
    public void register(RegisterRequest request, StreamObserver<RegisterResponse> responses) {
        RegisterNode.Receipt receipt;
        try {
            receipt = registerNode.register(caller(), InventoryMessages.toRegistration(request));
        } catch (RuntimeException refused) {
            responses.onError(InventoryStatus.of(refused));
            return;
        }
        responses.onNext(RegisterResponse.newBuilder()
                .setRevision(receipt.revision().value())
                .setChanges(receipt.changes())
                .setHeartbeatTimeoutMillis(recordHeartbeat.heartbeatTimeout().toMillis())
                .build());
        responses.onCompleted();
    }

    @Override
    public void heartbeat(HeartbeatRequest request, StreamObserver<HeartbeatResponse> responses) {
        RecordHeartbeat.Receipt receipt;
        try {
            receipt = recordHeartbeat.heartbeat(caller(), request.getNodeName());
        } catch (RuntimeException refused) {
            responses.onError(InventoryStatus.of(refused));
            return;
        }
        responses.onNext(HeartbeatResponse.newBuilder()
                .setRevived(receipt.revived())
                .setHeartbeatTimeoutMillis(receipt.heartbeatTimeout().toMillis())
                .build());
        responses.onCompleted();
    }

    /** The stream runs on a virtual thread of its own, so that a watcher holds no thread of the gRPC server. */
    @Override
    public void listAndWatch(ListAndWatchRequest request, StreamObserver<ListAndWatchResponse> responses) {
        WatchStream stream = new WatchStream(listAndWatch, caller(), (ServerCallStreamObserver<ListAndWatchResponse>) responses);
        stream.start(request.hasResumeAfterRevision() ? request.getResumeAfterRevision() : null);
    }

    private static Caller caller() {
        return Callers.current();
    }
}
