package io.vfleet.inventory.domain;

/** A node name the inventory has never seen registered. */
public final class UnknownNode extends RuntimeException {
    public UnknownNode(String node) {
        super("no node '" + node + "' is registered");
    }
}
