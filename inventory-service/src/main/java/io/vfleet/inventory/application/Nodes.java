package io.vfleet.inventory.application;

import io.vfleet.inventory.domain.DeviceFilter;
import io.vfleet.inventory.domain.Node;
import io.vfleet.inventory.domain.NodeDevice;
import io.vfleet.inventory.domain.NodeState;
import io.vfleet.inventory.domain.PageOf;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The inventory's nodes and their devices, as stored. Methods that lock or write run inside the caller's
 * transaction; locks are held until it ends.
 *
 * <p>Lock order, to keep writers free of deadlock: a node's lock ({@link #lock}) before the global revision
 * ({@link ChangeLog#advance}).
 */
public interface Nodes {

    /**
     * Locks {@code name} against every other writer of that node, whether or not it is registered yet,
     * and returns it as stored.
     */
    Optional<Node> lock(String name);

    /** Every device entry of the node, removed ones included, in BDF order. */
    List<NodeDevice> devicesOf(String node);

    /** Stores the node's new state and the device entries that changed. */
    void save(Node node, List<NodeDevice> changedDevices);

    /**
     * Records a heartbeat of a ready node in one row update, with no node lock and no revision; answers
     * false, changing nothing, when the node is unknown or not ready.
     */
    boolean recordHeartbeatOfReady(String name, Instant heartbeat);

    /**
     * Locks and returns the ready nodes last heard from before {@code heardBefore}, skipping any that a
     * registration or heartbeat holds at this moment (it is being heard from).
     */
    List<Node> lockSilentSince(Instant heardBefore);

    Optional<Node> find(String name);

    /** A page of nodes in name order. */
    PageOf<Node> list(int page, int size);

    /** A page of the devices matching {@code filter}, in node then BDF order. */
    PageOf<NodeDevice> devices(DeviceFilter filter, int page, int size);

    /** Every node, in name order. */
    List<Node> all();

    /** Every device entry, in node then BDF order. */
    List<NodeDevice> allDevices();

    long count(NodeState state);
}
