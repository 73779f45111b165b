package io.vfleet.inventory.domain;

import java.util.List;

/**
 * The whole inventory as it was at one revision, consistent with it: every change up to {@code revision}
 * is in it, none after. A watcher lists this, then follows changes after {@code revision}.
 */
public record InventorySnapshot(Revision revision, List<Node> nodes, List<NodeDevice> devices) {

    public InventorySnapshot {
        nodes = List.copyOf(nodes);
        devices = List.copyOf(devices);
    }
}
