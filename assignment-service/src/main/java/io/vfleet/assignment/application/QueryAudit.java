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

    public Page<AuditEvent> events(Caller caller, AuditLog.Query query, Paging paging) {
        caller.requireRole(Role.AUDITOR, Role.OPERATOR);
        return transactions.execute(status -> audit.search(query, paging));
    }

    public List<AuditLog.Owner> owners(Caller caller, String device, String node, Instant at) {
        caller.requireRole(Role.AUDITOR, Role.OPERATOR);
        return transactions.execute(status -> audit.ownersAt(device, node, at));
    }

    public AuditLog.Verification verify(Caller caller) {
        caller.requireRole(Role.AUDITOR, Role.OPERATOR);
        return transactions.execute(status -> audit.verify());
    }
}
