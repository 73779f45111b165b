package io.vfleet.inventory.application;

import io.micrometer.core.instrument.MeterRegistry;
import io.vfleet.security.AccessDenied;
import io.vfleet.security.Caller;
import io.vfleet.security.Role;
import io.vfleet.inventory.domain.Node;
import io.vfleet.inventory.domain.NodeDevice;
import io.vfleet.inventory.domain.NodeRegistration;
import io.vfleet.inventory.domain.RegistrationDiff;
import io.vfleet.inventory.domain.RegistrationRefused;
import io.vfleet.inventory.domain.RegistrationRules;
import io.vfleet.inventory.domain.Revision;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * An agent registers its node: the whole topology, on start and whenever its host changes. Registering
 * again with nothing changed only counts as a heartbeat; a changed topology becomes one new revision with
 * a change event per node or device that changed. A refused registration stores nothing.
 *
 * <p>Order inside the transaction: the node's lock, then its stored state, then the global revision, so
 * the revision lock is held only while writing (see {@link Nodes} for the lock order).
 */
public final class RegisterNode {
    private final Nodes nodes;
    private final ChangeLog changeLog;
    private final RegistrationRules rules;
    private final Clock clock;
    private final TransactionTemplate transactions;
    private final CommittedRevision committedRevision;
    private final MeterRegistry meters;

    /** What registering did. {@code revision} is the node's newest, whether or not this registration changed it. */
    public record Receipt(Revision revision, int changes) {
        public boolean changed() {
            return changes > 0;
        }
    }

    /** What the use case needs from the rest of the service. */
    public record Collaborators(Nodes nodes, ChangeLog changeLog, TransactionTemplate transactions,
                                CommittedRevision committedRevision) {
    }

    public RegisterNode(Collaborators collaborators, RegistrationRules rules, Clock clock, MeterRegistry meters) {
        this.nodes = collaborators.nodes();
        this.changeLog = collaborators.changeLog();
        this.transactions = collaborators.transactions();
        this.committedRevision = collaborators.committedRevision();
        this.rules = rules;
        this.clock = clock;
        this.meters = meters;
    }

    public Receipt register(Caller caller, NodeRegistration registration) {
        // The role first, so that only agents learn what a sound registration looks like; the node scope
        // after the rules, so that an agent sending an empty name hears about the name.
        try {
            caller.requireRole(Role.AGENT);
            rules.check(registration);
            caller.requireAgentOf(registration.name());
        } catch (AccessDenied denied) {
            count("denied");
            throw denied;
        } catch (RegistrationRefused refused) {
            count("refused");
            throw refused;
        }
        Instant now = clock.instant();
        Receipt receipt = transactions.execute(status -> store(registration, now));
        if (receipt.changed()) {
            committedRevision.committed(receipt.revision());
        }
        count(receipt.changed() ? "changed" : "unchanged");
        return receipt;
    }

    private Receipt store(NodeRegistration registration, Instant now) {
        Optional<Node> known = nodes.lock(registration.name());
        List<NodeDevice> knownDevices = known.isPresent() ? nodes.devicesOf(registration.name()) : List.of();
        // A first pass with no revision tells whether there is anything to write: the global revision is
        // taken only then, so that unchanged registrations never queue behind it.
        if (RegistrationDiff.between(known, knownDevices, registration, Revision.NONE).changesNothing()) {
            Node unchanged = known.orElseThrow(() -> new AssertionError("a new node always changes the inventory"));
            nodes.save(unchanged.heardFromAt(now), List.of());
            return new Receipt(unchanged.revision(), 0);
        }
        Revision revision = changeLog.advance();
        RegistrationDiff diff = RegistrationDiff.between(known, knownDevices, registration, revision);
        nodes.save(diff.node().heardFromAt(now), diff.devices());
        changeLog.append(diff.changes(), now);
        return new Receipt(revision, diff.changes().size());
    }

    private void count(String outcome) {
        meters.counter("vfleet.inventory.registrations", "outcome", outcome).increment();
    }
}
