package io.vfleet.inventory.application;

import io.vfleet.inventory.domain.DeviceFilter;
import io.vfleet.inventory.domain.NodeDevice;
import io.vfleet.inventory.domain.PageOf;

/** Finds devices by node, PCI ids, class and IOMMU group, a page at a time. Any authenticated caller may. */
public final class QueryDevices {
    private final Nodes nodes;

    public QueryDevices(Nodes nodes) {
        this.nodes = nodes;
    }

    public PageOf<NodeDevice> find(DeviceFilter filter, int page, int size) {
        return nodes.devices(filter, page, size);
    }
}
