package io.vfleet.inventory.application;

import io.vfleet.inventory.domain.Node;
import io.vfleet.inventory.domain.PageOf;
import io.vfleet.inventory.domain.UnknownNode;

/** Reads nodes for people and dashboards. Any authenticated caller may. */
public final class QueryNodes {
    private final Nodes nodes;

    public QueryNodes(Nodes nodes) {
        this.nodes = nodes;
    }

    public PageOf<Node> list(int page, int size) {
        return nodes.list(page, size);
    }

    public Node get(String name) {
        return nodes.find(name).orElseThrow(() -> new UnknownNode(name));
    }
}
