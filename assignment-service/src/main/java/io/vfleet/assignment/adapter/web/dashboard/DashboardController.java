package io.vfleet.assignment.adapter.web.dashboard;

import io.swagger.v3.oas.annotations.Hidden;
import io.vfleet.assignment.adapter.web.dashboard.DashboardBodies.NodeBody;
import io.vfleet.assignment.adapter.web.dashboard.DashboardBodies.SnapshotBody;
import io.vfleet.assignment.application.Identifiers;
import io.vfleet.assignment.application.QueryFleet;
import io.vfleet.security.Caller;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.Pattern;
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
    static final String DEFAULT_LIMIT = "100";

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
    SnapshotBody snapshot(Caller caller,
            @RequestParam(required = false) @Pattern(regexp = "[A-Za-z0-9._-]{1,253}") String node,
            @RequestParam(required = false) @Pattern(regexp = Identifiers.NAME) String tenant,
            @RequestParam(required = false) QueryFleet.DeviceState state,
            @RequestParam(defaultValue = DEFAULT_LIMIT) @Min(1) @Max(1000) int limit) {
        return SnapshotBody.of(fleet.fleet(caller, new QueryFleet.Filter(node, tenant, state), limit));
    }

    @GetMapping("/api/v1/dashboard/nodes/{node}")
    NodeBody node(Caller caller, @PathVariable @Pattern(regexp = Identifiers.NAME) String node) {
        return NodeBody.of(fleet.node(caller, node));
    }
}
