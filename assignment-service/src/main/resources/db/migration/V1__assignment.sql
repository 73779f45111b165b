-- The assignment service's own schema: tenants and their quotas, the topology copy fed by the
-- inventory, assignments and the holds on devices, fencing epochs, idempotency keys, and the
-- hash-chained audit log.

create table tenants (
    tenant          text primary key,
    noiommu_allowed boolean not null,
    created_at      timestamptz not null default now()
);

create table quotas (
    tenant           text primary key references tenants (tenant),
    max_devices      integer not null check (max_devices >= 0),
    max_pinned_bytes bigint  not null check (max_pinned_bytes >= 0)
);

-- The topology copy: the inventory owns the truth, this is what the last applied revision said.
create table nodes (
    node            text primary key,
    noiommu_enabled boolean not null,
    live            boolean not null,
    revision        bigint  not null,
    updated_at      timestamptz not null default now()
);

create table node_devices (
    id          bigint generated always as identity primary key,
    node        text    not null references nodes (node) on delete cascade,
    bdf         text    not null,
    vendor_id   integer not null,
    device_id   integer not null,
    class_code  integer not null,
    iommu_group integer not null,
    reset_set   text    not null,
    kind        text    not null check (kind in ('PHYSICAL', 'NOIOMMU')),
    assignable  boolean not null,
    vfio_name   text    not null,
    unique (node, bdf)
);

create table inventory_revision (
    id       integer primary key check (id = 1),
    revision bigint  not null
);
insert into inventory_revision (id, revision) values (1, 0);

create table assignments (
    id             text primary key,
    tenant         text    not null,
    node           text    not null,
    state          text    not null check (state in
                       ('REQUESTED', 'PREPARING', 'ACTIVE', 'RELEASING', 'RESETTING', 'RELEASED', 'FAILED')),
    with_kvm       boolean not null,
    ioas_id        bigint,
    hwpt_ids       text    not null default '',
    failure_reason text,
    created_at     timestamptz not null default now(),
    updated_at     timestamptz not null default now()
);
create index assignments_by_tenant on assignments (tenant, created_at);
create index assignments_unfinished on assignments (node) where state not in ('RELEASED', 'FAILED');

-- Every device an assignment holds (role OWNER) or fences for a hot reset (role FENCE). "held" is
-- true while the hold stands: for an owner, while its assignment is neither RELEASED nor FAILED.
create table assignment_devices (
    id            bigint generated always as identity primary key,
    assignment_id text    not null references assignments (id),
    tenant        text    not null,
    node          text    not null,
    bdf           text    not null,
    role          text    not null check (role in ('OWNER', 'FENCE')),
    held          boolean not null,
    position      integer not null,
    vfio_name     text    not null,
    iommu_group   integer not null,
    reset_set     text    not null,
    devid         bigint,
    hwpt_id       bigint,
    created_at    timestamptz not null default now()
);
-- Double ownership is impossible here, whatever the number of replicas: one standing hold per device.
create unique index assignment_devices_held_once on assignment_devices (node, bdf) where held;
create index assignment_devices_of_assignment on assignment_devices (assignment_id);
create index assignment_devices_by_tenant on assignment_devices (tenant) where held;

-- Devices released without a function reset, waiting for their reset set to close.
create table scrub_pending (
    node   text not null,
    bdf    text not null,
    tenant text not null,
    since  timestamptz not null default now(),
    primary key (node, bdf)
);

create table tenant_ioas (
    tenant     text   not null,
    node       text   not null,
    ioas_id    bigint not null,
    hwpt_ids   text   not null,
    updated_at timestamptz not null default now(),
    primary key (tenant, node)
);

create table fencing_epochs (
    node  text primary key,
    epoch bigint not null
);

create table idempotency_keys (
    key           text primary key,
    fingerprint   text not null,
    -- No foreign key: the key is claimed before its assignment is inserted, in the same transaction.
    assignment_id text not null,
    created_at    timestamptz not null default now()
);

create table audit_events (
    sequence      bigint primary key,
    at            timestamptz not null,
    kind          text   not null,
    tenant        text,
    node          text,
    devices       text[] not null,
    assignment_id text,
    detail        text   not null,
    previous_hash text   not null,
    hash          text   not null
);
create index audit_events_by_tenant on audit_events (tenant, at);
create index audit_events_by_device on audit_events using gin (devices);
create index audit_events_by_assignment on audit_events (assignment_id);

-- The head of the chain; appenders lock this row, so the chain has one order.
create table audit_head (
    id       integer primary key check (id = 1),
    sequence bigint not null,
    hash     text   not null
);
insert into audit_head (id, sequence, hash) values (1, 0, repeat('0', 64));

create function audit_events_append_only() returns trigger language plpgsql as $$
begin
    raise exception 'audit_events is append-only: % refused', tg_op;
end;
$$;
create trigger audit_events_append_only before update or delete on audit_events
    for each row execute function audit_events_append_only();
