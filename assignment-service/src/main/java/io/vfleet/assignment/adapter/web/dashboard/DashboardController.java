package io.vfleet.assignment.adapter.web.dashboard;

import io.swagger.v3.oas.annotations.Hidden;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import io.vfleet.assignment.adapter.web.dashboard.DashboardBodies.NodeBody;
import io.vfleet.assignment.adapter.web.dashboard.DashboardBodies.SnapshotBody;
import io.vfleet.assignment.application.QueryFleet;
import io.vfleet.assignment.application.RequestFields;
import io.vfleet.rest.Refuses;
import io.vfleet.security.Caller;
import java.net.URI;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code /api/v1/dashboard}: what the operator dashboard ({@code /dashboard/}) draws, for operators
 * and auditors, who see every tenant. The fleet's summary and a line per node that matches the filter
 * (node name prefix, a tenant holding a device there, a device state there), at most {@code limit} of
 * them; {@code /api/v1/dashboard/nodes/{node}} gives one node's devices in full, on demand.
 *
 * <p>Each answer is read in one read-only, repeatable-read transaction, so that its parts agree with
 * each other, in a number of statements that does not grow with the fleet.
 */
@RestController
class DashboardController {

    /** How many node lines an answer carries unless it asks for fewer. */
    static final long DEFAULT_LIMIT = 100;
    static final long MAX_LIMIT = 1000;

    /** What a node name prefix may be: the characters of node names, up to a DNS name's length. */
    private static final java.util.regex.Pattern NODE_PREFIX = java.util.regex.Pattern.compile("[A-Za-z0-9._-]{1,253}");

    private final QueryFleet fleet;

    DashboardController(QueryFleet fleet) {
        this.fleet = fleet;
    }

    /** The page lives in the static resources; this gives it the short address operators type. */
    @Hidden
    @GetMapping({"/dashboard", "/dashboard/"})
    ResponseEntity<Void> page() {
        return ResponseEntity.status(302).location(URI.create("/dashboard/index.html")).build();
    }

    @GetMapping("/api/v1/dashboard")
    @Tag(name = "Dashboard", description = "What the operators' dashboard draws.")
    @Operation(operationId = "getFleetSnapshot", summary = "The fleet at a glance: counts, nodes, assignments and events, filtered")
    SnapshotBody snapshot(Caller caller,
            @RequestParam(required = false) String node,
            @RequestParam(required = false) String tenant,
            @RequestParam(required = false) QueryFleet.DeviceState state,
            @RequestParam(required = false) Long limit) {
        RequestFields fields = new RequestFields();
        if (node != null && !NODE_PREFIX.matcher(node).matches()) {
            fields.fault("node", "must be the start of a node name: 1 to 253 letters, digits, '.', '_' or '-'");
        }
        fields.name("tenant", tenant, false);
        long lines = fields.range("limit", limit == null ? DEFAULT_LIMIT : limit, 1, MAX_LIMIT, true);
        fields.requireValid();
        return SnapshotBody.of(fleet.fleet(caller, new QueryFleet.Filter(node, tenant, state), (int) lines));
    }

    @GetMapping("/api/v1/dashboard/nodes/{node}")
    @Tag(name = "Dashboard")
    @Operation(operationId = "getNodeDevices", summary = "One node's devices in full, with their owners")
    @Refuses(status = 404, when = "No such node in the fleet.")
    NodeBody node(Caller caller, @PathVariable String node) {
        RequestFields fields = new RequestFields();
        fields.name("node", node, true);
        fields.requireValid();
        return NodeBody.of(fleet.node(caller, node));
    }
}
