package io.vfleet.inventory.adapter.persistence;

import io.vfleet.inventory.domain.NodeState;
import jakarta.persistence.CascadeType;
import jakarta.persistence.CollectionTable;
import jakarta.persistence.Column;
import jakarta.persistence.ElementCollection;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.Id;
import jakarta.persistence.JoinColumn;
import jakarta.persistence.OneToMany;
import jakarta.persistence.OrderColumn;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** Row of {@code inventory.node}, with its IOMMU groups and reset sets. Mapped to and from the domain by {@link NodeMapping}. */
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
    Instant lastHeartbeat;
    long revision;

    @OneToMany(cascade = CascadeType.ALL, orphanRemoval = true)
    @JoinColumn(name = "node_name", nullable = false)
    @OrderColumn(name = "position")
    List<IommuGroupEntity> iommuGroups = new ArrayList<>();

    @ElementCollection
    @CollectionTable(name = "reset_set", joinColumns = @JoinColumn(name = "node_name"))
    @OrderColumn(name = "position")
    List<ResetSetValue> resetSets = new ArrayList<>();

    protected NodeEntity() {
    }

    NodeEntity(String name) {
        this.name = name;
    }

}
