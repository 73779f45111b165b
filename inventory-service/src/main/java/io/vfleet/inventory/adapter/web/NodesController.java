package io.vfleet.inventory.adapter.web;

import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import io.vfleet.inventory.application.QueryNodes;
import io.vfleet.rest.Refuses;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/** {@code /api/v1/nodes}: the fleet's nodes, for people and dashboards. */
@RestController
@RequestMapping("/api/v1/nodes")
@Tag(name = "Nodes", description = "The fleet's hosts, as their agents registered them.")
class NodesController {
    private final QueryNodes queryNodes;

    NodesController(QueryNodes queryNodes) {
        this.queryNodes = queryNodes;
    }

    @GetMapping
    @Operation(operationId = "listNodes", summary = "List nodes in name order, a page at a time")
    Views.Page<Views.NodeView> list(@RequestParam(defaultValue = "0") int page, @RequestParam(defaultValue = "50") int size) {
        Paging.check(page, size);
        return Views.Page.of(queryNodes.list(page, size), Views.NodeView::of);
    }

    @GetMapping("/{name}")
    @Operation(operationId = "getNode", summary = "One node: its agent, kernel, IOMMU groups, reset sets, state and revision")
    @Refuses(status = 404, when = "No node of that name.")
    Views.NodeView get(@PathVariable String name) {
        return Views.NodeView.of(queryNodes.get(name));
    }
}
