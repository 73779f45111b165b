package io.vfleet.assignment.support;

import com.google.protobuf.Any;
import com.google.rpc.Code;
import com.google.rpc.ErrorInfo;
import io.grpc.Status;
import io.grpc.protobuf.StatusProto;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.vfleet.api.inventory.v1.Agent;
import io.vfleet.api.inventory.v1.Change;
import io.vfleet.api.inventory.v1.ChangeType;
import io.vfleet.api.inventory.v1.Device;
import io.vfleet.api.inventory.v1.InventoryGrpc;
import io.vfleet.api.inventory.v1.KernelConfig;
import io.vfleet.api.inventory.v1.ListAndWatchRequest;
import io.vfleet.api.inventory.v1.ListAndWatchResponse;
import io.vfleet.api.inventory.v1.ListChunk;
import io.vfleet.api.inventory.v1.Node;
import io.vfleet.api.inventory.v1.NodeDevice;
import io.vfleet.api.inventory.v1.NodeState;
import io.vfleet.api.inventory.v1.Synced;
import io.vfleet.assignment.domain.NodeTopology;
import io.vfleet.assignment.domain.TopologyDevice;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An inventory kept in memory with the contract of {@code vfleet.inventory.v1} ListAndWatch: a list
 * then Synced, or Synced at the resume revision then the changes after it; a change log whose oldest
 * entries can be forgotten, after which a resume from before them is RELIST_REQUIRED; and watchers
 * the test can disconnect. It remembers every request's resume revision (null for a list).
 */
public final class FakeInventory extends InventoryGrpc.InventoryImplBase {

    private final Map<String, Node> nodes = new LinkedHashMap<>();
    private final Map<String, NodeDevice> devices = new LinkedHashMap<>();
    private final List<Change> changes = new ArrayList<>();
    private final List<StreamObserver<ListAndWatchResponse>> watchers = new ArrayList<>();
    private final List<Long> requests = new ArrayList<>();
    private long revision;
    private long oldestKept = 1;

    @Override
    public synchronized void listAndWatch(ListAndWatchRequest request, StreamObserver<ListAndWatchResponse> responses) {
        Long resumeAfter = request.hasResumeAfterRevision() ? request.getResumeAfterRevision() : null;
        requests.add(resumeAfter);
        if (resumeAfter == null) {
            responses.onNext(ListAndWatchResponse.newBuilder().setListChunk(ListChunk.newBuilder()
                    .addAllNodes(nodes.values()).addAllDevices(devices.values())).build());
            responses.onNext(synced(revision));
        } else if (resumeAfter + 1 < oldestKept) {
            responses.onError(StatusProto.toStatusRuntimeException(com.google.rpc.Status.newBuilder()
                    .setCode(Code.FAILED_PRECONDITION_VALUE)
                    .setMessage("changes after " + resumeAfter + " are no longer kept")
                    .addDetails(Any.pack(ErrorInfo.newBuilder().setReason("RELIST_REQUIRED").setDomain("vfleet.io")
                            .putMetadata("oldest_resumable_revision", Long.toString(oldestKept - 1)).build()))
                    .build()));
            return;
        } else {
            responses.onNext(synced(resumeAfter));
            changes.stream().filter(change -> change.getRevision() > resumeAfter)
                    .forEach(change -> responses.onNext(ListAndWatchResponse.newBuilder().setChange(change).build()));
        }
        watchers.add(responses);
    }

    /** A node with its devices, as one registration: one new revision. */
    public synchronized long register(Node node, List<NodeDevice> nodeDevices) {
        revision++;
        Node stored = node.toBuilder().setRevision(revision).build();
        record(nodes.put(node.getName(), stored) == null ? ChangeType.ADDED : ChangeType.MODIFIED, stored, null);
        for (NodeDevice device : nodeDevices) {
            NodeDevice storedDevice = device.toBuilder().setRevision(revision).build();
            String key = device.getNodeName() + "/" + device.getDevice().getBdf();
            record(devices.put(key, storedDevice) == null ? ChangeType.ADDED : ChangeType.MODIFIED, null, storedDevice);
        }
        return revision;
    }

    /**
     * A node as its agent would register it: a ready node whose agent listens at {@code endpoint}, and
     * the devices of {@code topology} (vfio-pci for the assignable ones, a host driver for the rest).
     */
    public long register(NodeTopology topology, String endpoint) {
        Node node = Node.newBuilder().setName(topology.node()).setState(NodeState.READY)
                .setAgent(Agent.newBuilder().setEndpoint(endpoint).setVersion("test"))
                .setKernel(KernelConfig.newBuilder().setProfile("v11").setVfioDeviceCdev(true)
                        .setUnsafeNoiommuMode(topology.noiommuEnabled()))
                .build();
        List<NodeDevice> nodeDevices = new ArrayList<>();
        for (TopologyDevice device : topology.devices()) {
            NodeDevice.Builder entry = NodeDevice.newBuilder().setNodeName(topology.node()).setResetSet(device.resetSet())
                    .setDevice(Device.newBuilder().setBdf(device.bdf()).setVendorId(device.id().vendorId())
                            .setDeviceId(device.id().deviceId()).setClassCode(device.id().classCode())
                            .setDriver(device.assignable() ? "vfio-pci" : "host-driver")
                            .setVfioDeviceName(device.vfioName().substring(device.vfioName().lastIndexOf('/') + 1))
                            .setNoiommu(device.kind() == TopologyDevice.Kind.NOIOMMU));
            if (device.kind() == TopologyDevice.Kind.PHYSICAL) {
                entry.setIommuGroup(device.iommuGroup());
            }
            nodeDevices.add(entry.build());
        }
        return register(node, nodeDevices);
    }

    public synchronized long state(String node, NodeState state) {
        revision++;
        Node changed = nodes.get(node).toBuilder().setState(state).setRevision(revision).build();
        nodes.put(node, changed);
        record(ChangeType.MODIFIED, changed, null);
        return revision;
    }

    /** Ends every open ListAndWatch as a lost connection would. */
    public synchronized void disconnect() {
        watchers.forEach(watcher -> watcher.onError(Status.UNAVAILABLE.withDescription("connection lost").asRuntimeException()));
        watchers.clear();
    }

    /** Forgets the change log up to and including {@code last}. */
    public synchronized void forgetChangesUpTo(long last) {
        oldestKept = last + 1;
        changes.removeIf(change -> change.getRevision() <= last);
    }

    public synchronized List<Long> requests() {
        return new ArrayList<>(requests);
    }

    public synchronized long revision() {
        return revision;
    }

    private void record(ChangeType type, Node node, NodeDevice device) {
        Change.Builder change = Change.newBuilder().setRevision(revision).setType(type);
        if (node != null) {
            change.setNode(node);
        } else {
            change.setDevice(device);
        }
        Change built = change.build();
        changes.add(built);
        // A watcher that went away (its feed stopped) hears nothing more.
        watchers.removeIf(watcher -> watcher instanceof ServerCallStreamObserver<?> call && call.isCancelled());
        watchers.forEach(watcher -> watcher.onNext(ListAndWatchResponse.newBuilder().setChange(built).build()));
    }

    private static ListAndWatchResponse synced(long revision) {
        return ListAndWatchResponse.newBuilder().setSynced(Synced.newBuilder().setRevision(revision)).build();
    }
}
