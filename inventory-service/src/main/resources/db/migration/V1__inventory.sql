-- The inventory's own schema: nodes, their devices, IOMMU groups and reset sets, and the change log that
-- watchers follow. Only inventory-service writes here.

-- The global revision. One row; writers update it in their transaction, which orders them: revisions
-- become visible in the order they were handed out.
CREATE TABLE revision (
    id               smallint PRIMARY KEY CHECK (id = 1),
    current          bigint   NOT NULL CHECK (current >= 0),
    -- Every change after this revision is still in change_log; older ones were pruned.
    oldest_resumable bigint   NOT NULL CHECK (oldest_resumable >= 0 AND oldest_resumable <= current)
);
INSERT INTO revision (id, current, oldest_resumable) VALUES (1, 0, 0);

CREATE TABLE node (
    name                   text        PRIMARY KEY,
    state                  text        NOT NULL CHECK (state IN ('READY', 'UNREACHABLE')),
    agent_endpoint         text        NOT NULL,
    agent_version          text        NOT NULL,
    kernel_profile         text        NOT NULL,
    vfio_group             boolean     NOT NULL,
    vfio_container         boolean     NOT NULL,
    iommufd_vfio_container boolean     NOT NULL,
    vfio_device_cdev       boolean     NOT NULL,
    unsafe_noiommu_mode    boolean     NOT NULL,
    -- The IOMMU groups (number, aperture, reserved regions, members) and reset sets (key, members), as
    -- JSON arrays in the agent's order. They are read and written whole with their node, never queried
    -- apart from it; a device's own group and reset set are columns of device, where queries need them.
    iommu_groups           text        NOT NULL,
    reset_sets             text        NOT NULL,
    last_heartbeat         timestamptz NOT NULL,
    revision               bigint      NOT NULL
);
-- The liveness check looks for ready nodes heard from too long ago.
CREATE INDEX node_ready_by_heartbeat ON node (last_heartbeat) WHERE state = 'READY';

CREATE TABLE device (
    node_name        text    NOT NULL REFERENCES node (name),
    bdf              text    NOT NULL,
    vendor_id        integer NOT NULL,
    device_id        integer NOT NULL,
    class_code       integer NOT NULL,
    driver           text,
    vfio_device_name text,
    noiommu          boolean NOT NULL,
    emulated         boolean NOT NULL,
    sriov_parent     text,
    iommu_group      integer,
    reset_set        text,
    state            text    NOT NULL CHECK (state IN ('PRESENT', 'REMOVED')),
    revision         bigint  NOT NULL,
    PRIMARY KEY (node_name, bdf)
);
CREATE INDEX device_by_pci_id ON device (vendor_id, device_id);
CREATE INDEX device_by_class ON device (class_code);

-- Every change, for watchers to resume from; pruned after a retention window. One row per revision: a
-- JSON array of the revision's changes, in the order they happened, each with the new state of what
-- changed.
CREATE TABLE change_log (
    revision    bigint      PRIMARY KEY,
    changes     text        NOT NULL,
    recorded_at timestamptz NOT NULL
);
