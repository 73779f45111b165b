package io.vfleet.inventory.adapter.persistence;

import io.vfleet.inventory.domain.NodeState;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;

/**
 * Row of {@code inventory.node}. Its IOMMU groups and reset sets are JSON text, written and read whole
 * with the node by {@link NodeMapping}.
 */
@Entity
@Table(name = "node")
class NodeEntity {
    @Id
    String name;

    @Enumerated(EnumType.STRING)
    NodeState state;

    String agentEndpoint;
    String agentVersion;
    String kernelProfile;
    boolean vfioGroup;
    boolean vfioContainer;
    boolean iommufdVfioContainer;
    boolean vfioDeviceCdev;
    boolean unsafeNoiommuMode;
    String iommuGroups;
    String resetSets;
    Instant lastHeartbeat;
    long revision;

    protected NodeEntity() {
    }

    NodeEntity(String name) {
        this.name = name;
    }
}
