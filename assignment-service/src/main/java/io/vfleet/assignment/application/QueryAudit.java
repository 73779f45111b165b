package io.vfleet.assignment.application;

import io.vfleet.security.Caller;
import io.vfleet.security.Role;
import io.vfleet.assignment.application.port.AuditLog;
import io.vfleet.assignment.application.port.Page;
import io.vfleet.assignment.application.port.Paging;
import io.vfleet.assignment.domain.AuditEvent;
import java.time.Instant;
import java.util.List;
import org.springframework.transaction.support.TransactionOperations;

/** Answers auditors: the events, who owned a device at a time, and whether the chain is intact. */
public final class QueryAudit {

    private final TransactionOperations transactions;
    private final AuditLog audit;

    public QueryAudit(TransactionOperations transactions, AuditLog audit) {
        this.transactions = transactions;
        this.audit = audit;
    }

    /** A search as an edge read it: each filter null for any, page and size null for the defaults. */
    public record Search(String device, String tenant, Instant from, Instant to, Long page, Long size) {}

    /** A page of the events the search finds, or {@link InvalidRequest} naming every parameter at fault. */
    public Page<AuditEvent> events(Caller caller, Search search) {
        caller.requireRole(Role.AUDITOR, Role.OPERATOR);
        RequestFields fields = new RequestFields();
        AuditLog.Query query = new AuditLog.Query(fields.bdf("device", search.device(), false),
                fields.name("tenant", search.tenant(), false), search.from(), search.to());
        Paging paging = fields.paging(search.page(), search.size());
        fields.requireValid();
        return transactions.execute(status -> audit.search(query, paging));
    }

    /** Who owned {@code device} (on {@code node}, or on any node when null) at {@code at}. */
    public List<AuditLog.Owner> owners(Caller caller, String device, String node, Instant at) {
        caller.requireRole(Role.AUDITOR, Role.OPERATOR);
        RequestFields fields = new RequestFields();
        fields.bdf("device", device, true);
        fields.name("node", node, false);
        fields.requireValid();
        return transactions.execute(status -> audit.ownersAt(device, node, at));
    }

    public AuditLog.Verification verify(Caller caller) {
        caller.requireRole(Role.AUDITOR, Role.OPERATOR);
        return transactions.execute(status -> audit.verify());
    }
}
