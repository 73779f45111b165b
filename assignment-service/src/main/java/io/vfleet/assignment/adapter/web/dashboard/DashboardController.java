package io.vfleet.assignment.adapter.web.dashboard;

import io.vfleet.security.Role;
import io.swagger.v3.oas.annotations.Hidden;
import io.vfleet.assignment.adapter.web.dashboard.DashboardBodies.AssignmentBody;
import io.vfleet.assignment.adapter.web.dashboard.DashboardBodies.EventBody;
import io.vfleet.assignment.adapter.web.dashboard.DashboardBodies.LatestBody;
import io.vfleet.assignment.adapter.web.dashboard.DashboardBodies.NodeBody;
import io.vfleet.assignment.adapter.web.dashboard.DashboardBodies.SnapshotBody;
import io.vfleet.security.AccessDenied;
import io.vfleet.security.Caller;
import io.vfleet.assignment.application.port.Assignments;
import io.vfleet.assignment.application.port.AuditLog;
import io.vfleet.assignment.application.port.Page;
import io.vfleet.assignment.application.port.Paging;
import io.vfleet.assignment.application.port.Topologies;
import io.vfleet.assignment.domain.Assignment;
import io.vfleet.assignment.domain.Hold;
import io.vfleet.assignment.domain.NodeState;
import io.vfleet.assignment.domain.NodeTopology;
import java.net.URI;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import org.springframework.http.ResponseEntity;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.support.TransactionTemplate;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code /api/v1/dashboard}: what the operator dashboard ({@code /dashboard/}) draws, for operators
 * and auditors, who see every tenant.
 *
 * <p>The snapshot is read in one read-only, repeatable-read transaction, so that the drawing of the
 * nodes, the assignment list and the audit feed agree with each other: a device drawn as held has
 * its assignment in the list as it was at the same instant.
 */
@RestController
class DashboardController {

    /** How long a snapshot waits at most for audit events committed before it to be in the log. */
    private static final java.time.Duration AUDIT_WAIT = java.time.Duration.ofSeconds(1);

    /** How many of the newest assignments and audit events a snapshot carries. */
    static final int LATEST = 50;

    private final TransactionTemplate snapshots;
    private final Topologies topologies;
    private final Assignments assignments;
    private final AuditLog audit;

    DashboardController(PlatformTransactionManager transactions, Topologies topologies, Assignments assignments,
            AuditLog audit) {
        this.snapshots = new TransactionTemplate(transactions);
        this.snapshots.setReadOnly(true);
        this.snapshots.setIsolationLevel(TransactionDefinition.ISOLATION_REPEATABLE_READ);
        this.topologies = topologies;
        this.assignments = assignments;
        this.audit = audit;
    }

    /** The page lives in the static resources; this gives it the short address operators type. */
    @Hidden
    @GetMapping({"/dashboard", "/dashboard/"})
    ResponseEntity<Void> page() {
        return ResponseEntity.status(302).location(URI.create("/dashboard/index.html")).build();
    }

    @GetMapping("/api/v1/dashboard")
    SnapshotBody snapshot(Caller caller) {
        if (caller.role() != Role.OPERATOR && caller.role() != Role.AUDITOR) {
            throw new AccessDenied("role " + caller.role().name().toLowerCase(Locale.ROOT)
                    + " may not see the whole fleet: the dashboard is for operators and auditors");
        }
        // The audit feed shows what committed before the request, as the assignment list does.
        audit.awaitLinked(AUDIT_WAIT);
        return snapshots.execute(status -> new SnapshotBody(Instant.now(), topologies.revision(), nodes(),
                latest(paging -> assignments.list(new Assignments.Filter(null, null, null), paging)
                        .map(AssignmentBody::of)),
                latest(paging -> audit.search(new AuditLog.Query(null, null, null, null), paging)
                        .map(EventBody::of))));
    }

    private List<NodeBody> nodes() {
        List<NodeBody> nodes = new ArrayList<>();
        for (NodeTopology topology : topologies.all()) {
            NodeState state = assignments.nodeState(topology);
            Map<String, Assignment> owners = new HashMap<>();
            for (Hold hold : state.holds().values()) {
                if (hold.kind() == Hold.Kind.OWNER && !owners.containsKey(hold.assignmentId())) {
                    assignments.find(hold.assignmentId()).ifPresent(owner -> owners.put(owner.id(), owner));
                }
            }
            nodes.add(NodeBody.of(state, owners));
        }
        return nodes;
    }

    /**
     * The newest {@link #LATEST} items of a listing that pages oldest first: they lie on its last page
     * and, when that page is not full, on the one before.
     */
    static <T> LatestBody<T> latest(Function<Paging, Page<T>> listing) {
        Page<T> first = listing.apply(new Paging(0, LATEST));
        List<T> oldestFirst = new ArrayList<>();
        if (first.total() <= LATEST) {
            oldestFirst.addAll(first.items());
        } else {
            int last = (int) ((first.total() - 1) / LATEST);
            oldestFirst.addAll(last == 1 ? first.items() : listing.apply(new Paging(last - 1, LATEST)).items());
            oldestFirst.addAll(listing.apply(new Paging(last, LATEST)).items());
        }
        List<T> newest = oldestFirst.subList(Math.max(0, oldestFirst.size() - LATEST), oldestFirst.size());
        return new LatestBody<>(List.copyOf(newest.reversed()), first.total());
    }
}
