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
    last_heartbeat         timestamptz NOT NULL,
    revision               bigint      NOT NULL
);
-- The liveness check looks for ready nodes heard from too long ago.
CREATE INDEX node_ready_by_heartbeat ON node (last_heartbeat) WHERE state = 'READY';

CREATE SEQUENCE iommu_group_id INCREMENT BY 50;

CREATE TABLE iommu_group (
    id             bigint  PRIMARY KEY,
    node_name      text    NOT NULL REFERENCES node (name),
    position       integer NOT NULL,
    number         integer NOT NULL CHECK (number >= 0),
    aperture_start bigint  NOT NULL,
    aperture_last  bigint  NOT NULL,
    members        text[]  NOT NULL,
    UNIQUE (node_name, number)
);

CREATE TABLE reserved_region (
    iommu_group_id bigint  NOT NULL REFERENCES iommu_group (id) ON DELETE CASCADE,
    position       integer NOT NULL,
    start          bigint  NOT NULL,
    last           bigint  NOT NULL,
    type           text    NOT NULL,
    PRIMARY KEY (iommu_group_id, position)
);

CREATE TABLE reset_set (
    node_name text    NOT NULL REFERENCES node (name),
    position  integer NOT NULL,
    key       text    NOT NULL,
    members   text[]  NOT NULL,
    -- Keys are unique per node too, as registrations are checked to be; no constraint says so, because
    -- replacing a node's reset sets rewrites them in place, position by position.
    PRIMARY KEY (node_name, position)
);

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

-- Every change, for watchers to resume from; pruned after a retention window. A revision's changes are
-- numbered by ordinal in the order they happened.
CREATE TABLE change_log (
    revision    bigint      NOT NULL,
    ordinal     integer     NOT NULL,
    node_name   text        NOT NULL,
    kind        text        NOT NULL CHECK (kind IN ('NODE', 'DEVICE')),
    type        text        NOT NULL CHECK (type IN ('ADDED', 'MODIFIED', 'REMOVED')),
    payload     text        NOT NULL,
    recorded_at timestamptz NOT NULL,
    PRIMARY KEY (revision, ordinal)
);
