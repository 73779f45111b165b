package io.vfleet.inventory.adapter.persistence;

import io.vfleet.inventory.domain.DeviceState;
import jakarta.persistence.Embeddable;
import jakarta.persistence.EmbeddedId;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.Table;

/** Row of {@code inventory.device}. */
@Entity
@Table(name = "device")
class DeviceEntity {
    @EmbeddedId
    Key key;

    int vendorId;
    int deviceId;
    int classCode;
    String driver;
    String vfioDeviceName;
    boolean noiommu;
    boolean emulated;
    String sriovParent;
    Integer iommuGroup;
    String resetSet;

    @Enumerated(EnumType.STRING)
    DeviceState state;

    long revision;

    protected DeviceEntity() {
    }

    DeviceEntity(Key key) {
        this.key = key;
    }

    @Embeddable
    record Key(String nodeName, String bdf) {
    }
}
