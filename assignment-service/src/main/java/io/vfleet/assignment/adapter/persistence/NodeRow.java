package io.vfleet.assignment.adapter.persistence;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;

/** A row of {@code nodes}: one node of the topology copy, at the inventory revision that last changed it. */
@Entity
@Table(name = "nodes")
class NodeRow {

    @Id
    String node;

    @Column(name = "noiommu_enabled", nullable = false)
    boolean noiommuEnabled;

    @Column(nullable = false)
    boolean live;

    @Column(nullable = false)
    long revision;

    @Column(name = "updated_at", nullable = false)
    Instant updatedAt;

    @Column(name = "agent_endpoint")
    String agentEndpoint;

    protected NodeRow() {}
}
