package io.vfleet.assignment.adapter.inventory;

import com.google.rpc.ErrorInfo;
import io.grpc.Context;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import io.vfleet.api.inventory.v1.Change;
import io.vfleet.api.inventory.v1.InventoryGrpc;
import io.vfleet.api.inventory.v1.ListAndWatchRequest;
import io.vfleet.api.inventory.v1.ListAndWatchResponse;
import io.vfleet.api.inventory.v1.Node;
import io.vfleet.api.inventory.v1.NodeDevice;
import io.vfleet.api.inventory.v1.NodeState;
import io.vfleet.assignment.application.ReconcileFleet;
import io.vfleet.assignment.application.port.Topologies;
import io.vfleet.assignment.domain.NodeTopology;
import io.vfleet.retry.Backoff;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the service's topology copy in step with the inventory through {@code ListAndWatch}: the
 * whole inventory once, then every change, each node written through {@link Topologies#replace} with
 * its liveness (a node the inventory calls UNREACHABLE is not live) and its agent's endpoint.
 *
 * <p>After a disconnect it resumes after the last revision it may have seen in full, so a revision
 * broken off halfway comes again whole; the inventory answers RELIST_REQUIRED when it no longer
 * keeps the changes since then, and the feed lists again. A node that appears (in the first list
 * after the service started, above all), comes back from UNREACHABLE, or names another agent is
 * due for reconciliation: a restarted service repairs what its predecessor left on each node as soon
 * as it knows the node. Asking for it never waits for it.
 *
 * <p>One thread runs the feed; it alone touches the view.
 */
final class InventoryFeed {

    private static final Logger log = LoggerFactory.getLogger(InventoryFeed.class);

    /** The inventory's ErrorInfo reason for a resume it cannot serve. */
    static final String RELIST_REQUIRED = "RELIST_REQUIRED";

    private final InventoryGrpc.InventoryBlockingStub inventory;
    private final Topologies topologies;
    private final ReconcileFleet reconcile;
    private final Backoff backoff;
    private final InventoryView view = new InventoryView();

    private volatile boolean running;
    private volatile Context.CancellableContext call;
    private Thread thread;
    /** The revision to resume after, or null to list; only the feed's thread uses it. */
    private Long resumeAfter;
    /** Whether the last call got as far as Synced, which resets the backoff. */
    private boolean synced;

    InventoryFeed(InventoryGrpc.InventoryBlockingStub inventory, Topologies topologies, ReconcileFleet reconcile,
            Backoff backoff) {
        this.inventory = inventory;
        this.topologies = topologies;
        this.reconcile = reconcile;
        this.backoff = backoff;
    }

    synchronized void start() {
        running = true;
        thread = Thread.ofVirtual().name("inventory-feed").start(this::run);
    }

    synchronized void stop() throws InterruptedException {
        running = false;
        Context.CancellableContext current = call;
        if (current != null) {
            current.cancel(null);
        }
        if (thread != null) {
            thread.interrupt();
            thread.join(Duration.ofSeconds(10));
        }
    }

    private void run() {
        Duration wait = backoff.next();
        while (running) {
            try {
                follow();
            } catch (StatusRuntimeException failed) {
                if (!running) {
                    return;
                }
                if (isRelistRequired(failed)) {
                    log.info("the inventory no longer keeps the changes after revision {}: listing again", resumeAfter);
                    resumeAfter = null;
                    continue;
                }
                log.warn("the inventory's ListAndWatch ended ({}); connecting again in {}", failed.getStatus(), wait);
            } catch (RuntimeException failed) {
                // Our own side failed (the database, most likely): list again once it is back, rather
                // than trust a copy that may have missed a change.
                log.warn("applying the inventory failed; listing again in {}", wait, failed);
                resumeAfter = null;
            }
            if (synced) {
                synced = false;
                backoff.reset();
                wait = backoff.next();
            }
            try {
                Thread.sleep(wait);
            } catch (InterruptedException stopping) {
                return;
            }
            wait = backoff.next();
        }
    }

    /** One ListAndWatch call, until it fails or is cancelled. */
    private void follow() {
        ListAndWatchRequest.Builder request = ListAndWatchRequest.newBuilder();
        boolean listing = resumeAfter == null;
        if (!listing) {
            request.setResumeAfterRevision(resumeAfter);
        }
        Context.CancellableContext context = Context.current().withCancellation();
        call = context;
        try {
            context.run(() -> {
                Iterator<ListAndWatchResponse> responses = inventory.listAndWatch(request.build());
                List<Node> listedNodes = new ArrayList<>();
                List<NodeDevice> listedDevices = new ArrayList<>();
                while (responses.hasNext()) {
                    ListAndWatchResponse response = responses.next();
                    switch (response.getEventCase()) {
                        case LIST_CHUNK -> {
                            listedNodes.addAll(response.getListChunk().getNodesList());
                            listedDevices.addAll(response.getListChunk().getDevicesList());
                        }
                        case SYNCED -> {
                            long revision = response.getSynced().getRevision();
                            if (resumeAfter == null) {
                                replaceAll(listedNodes, listedDevices, revision);
                            }
                            resumeAfter = revision;
                            synced = true;
                        }
                        case CHANGE -> apply(response.getChange());
                        case EVENT_NOT_SET -> log.debug("an empty ListAndWatch event from a newer inventory: ignored");
                    }
                }
            });
        } finally {
            context.cancel(null);
            call = null;
        }
        throw Status.UNAVAILABLE.withDescription("the inventory ended ListAndWatch").asRuntimeException();
    }

    /**
     * A whole list: the copy becomes exactly it, nodes the inventory no longer lists included. Each
     * listed node new to this feed, or whose agent changed since it last heard, is due for
     * reconciliation once written (see {@link ReconcileFleet#agentRegistered}).
     */
    private void replaceAll(List<Node> nodes, List<NodeDevice> devices, long revision) {
        Map<String, Node> before = new HashMap<>();
        view.nodeNames().forEach(name -> view.node(name).ifPresent(node -> before.put(name, node)));
        view.clear();
        nodes.forEach(view::put);
        devices.forEach(view::put);
        Set<String> listed = new HashSet<>();
        List<String> due = new ArrayList<>();
        for (Node node : nodes) {
            listed.add(node.getName());
            write(node.getName(), revision);
            if (restarted(before.get(node.getName()), node)) {
                due.add(node.getName());
            }
        }
        for (NodeTopology known : topologies.all()) {
            if (!listed.contains(known.node())) {
                topologies.remove(known.node(), revision);
            }
        }
        log.info("the inventory listed {} node(s) and {} device(s) at revision {}", nodes.size(), devices.size(), revision);
        due.forEach(reconcile::agentRegistered);
    }

    private void apply(Change change) {
        long revision = change.getRevision();
        Node nodeBefore = null;
        String node = switch (change.getObjectCase()) {
            case NODE -> {
                Node after = change.getNode();
                nodeBefore = view.put(after).orElse(null);
                yield after.getName();
            }
            case DEVICE -> {
                view.put(change.getDevice());
                yield change.getDevice().getNodeName();
            }
            // A kind of object this feed does not know yet: nothing of ours changes.
            case OBJECT_NOT_SET -> null;
        };
        if (node == null) {
            return;
        }
        write(node, revision);
        if (change.getObjectCase() == Change.ObjectCase.NODE && restarted(nodeBefore, change.getNode())) {
            // After the write, so that the run finds the node's agent where the inventory now says it is.
            reconcile.agentRegistered(node);
        }
        // Changes come a whole revision at a time, but a stream may break inside one: resume before it.
        resumeAfter = Math.max(resumeAfter == null ? 0 : resumeAfter, revision - 1);
    }

    /** A new agent process serves the node: it appeared, came back, or its agent changed. */
    private static boolean restarted(Node before, Node after) {
        if (before == null) {
            return true;
        }
        return (before.getState() == NodeState.UNREACHABLE && after.getState() == NodeState.READY)
                || !before.getAgent().equals(after.getAgent());
    }

    /**
     * Writes the node as this feed has it at {@code revision}; a replica whose feed is ahead may have
     * written a newer revision already, and then the copy keeps it, while this replica still calls the
     * agent where its own feed says it is.
     */
    private void write(String node, long revision) {
        view.topology(node).ifPresent(topology -> {
            topologies.replace(topology, revision);
            String endpoint = view.node(node).map(known -> known.getAgent().getEndpoint()).orElse("");
            if (!endpoint.isEmpty()) {
                topologies.recordAgentEndpoint(node, endpoint, revision);
            }
        });
    }

    private static boolean isRelistRequired(StatusRuntimeException failed) {
        com.google.rpc.Status status = StatusProto.fromThrowable(failed);
        if (status == null) {
            return false;
        }
        return status.getDetailsList().stream().filter(detail -> detail.is(ErrorInfo.class)).anyMatch(detail -> {
            try {
                return RELIST_REQUIRED.equals(detail.unpack(ErrorInfo.class).getReason());
            } catch (com.google.protobuf.InvalidProtocolBufferException unreadable) {
                return false;
            }
        });
    }
}
