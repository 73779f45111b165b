-- The audit log off the hot path, and provable.
--
-- A transaction that changes state inserts its audit event into audit_events and touches nothing
-- shared: no head row, no lock another writer waits for. After commit, one sequencer (the holder of
-- an advisory lock, see AuditSequencer) numbers the committed events in commit order into audit_log
-- and stores the RFC 6962 Merkle tree over them in audit_tree; audit_checkpoints keeps the signed
-- checkpoints of that tree. Every audit table is append-only: a trigger refuses UPDATE, DELETE and
-- TRUNCATE, and the service's role (${service_role}) may only insert and read them. Only this
-- schema's owner, which runs migrations, can disable a trigger, and the signed checkpoints kept
-- outside the database tell when it did.

-- Events as written, in the transaction of the change they record. `writer` is that transaction's
-- id: the sequencer orders events by when their writers committed, and needs only look at writers
-- newer than the oldest one still running when it last looked.
create table audit_events_written (
    id            bigint generated always as identity primary key,
    writer        xid8   not null default pg_current_xact_id(),
    at            timestamptz not null,
    principal     text   not null,
    kind          text   not null,
    tenant        text,
    node          text,
    devices       text[] not null,
    assignment_id text,
    detail        text   not null
);
create index audit_events_written_by_writer on audit_events_written (writer);

-- What the log held so far keeps its order and its times; who acted was not recorded then.
insert into audit_events_written (at, principal, kind, tenant, node, devices, assignment_id, detail)
    select at, 'unrecorded', kind, tenant, node, devices, assignment_id, detail
    from audit_events order by sequence;

drop trigger audit_events_append_only on audit_events;
drop table audit_events;
drop table audit_head;
alter table audit_events_written rename to audit_events;
alter index audit_events_written_by_writer rename to audit_events_by_writer;
alter table audit_events rename constraint audit_events_written_pkey to audit_events_pkey;
create index audit_events_by_tenant on audit_events (tenant, at);
create index audit_events_by_device on audit_events using gin (devices);
create index audit_events_by_assignment on audit_events (assignment_id);

-- The log: event number `sequence` (from 1; leaf sequence - 1 of the tree) is event `event_id`.
-- `horizon` is the oldest transaction still running when the sequencer linked it: every event
-- written by an older transaction was linked by then or never committed.
create table audit_log (
    sequence  bigint primary key check (sequence >= 1),
    event_id  bigint not null unique references audit_events (id),
    horizon   xid8   not null,
    linked_at timestamptz not null default now()
);

-- The hash of every complete subtree of the Merkle tree over audit_log: level 0 holds the leaf
-- hashes, level k the hash of the 2^k leaves from index << k. Roots and proofs read a logarithmic
-- number of rows.
create table audit_tree (
    level smallint not null check (level between 0 and 62),
    index bigint   not null check (index >= 0),
    hash  bytea    not null check (length(hash) = 32),
    primary key (level, index)
);

-- Signed checkpoints (C2SP tlog-checkpoint notes), one per tree size: the first signed at that size.
create table audit_checkpoints (
    tree_size bigint primary key check (tree_size >= 0),
    root      bytea  not null check (length(root) = 32),
    note      text   not null,
    key_name  text   not null,
    signed_at timestamptz not null default now()
);

create function audit_append_only() returns trigger language plpgsql as $$
begin
    raise exception '% is append-only: % refused', tg_table_name, tg_op;
end;
$$;
drop function audit_events_append_only();

create trigger audit_events_append_only before update or delete on audit_events
    for each row execute function audit_append_only();
create trigger audit_events_no_truncate before truncate on audit_events
    for each statement execute function audit_append_only();
create trigger audit_log_append_only before update or delete on audit_log
    for each row execute function audit_append_only();
create trigger audit_log_no_truncate before truncate on audit_log
    for each statement execute function audit_append_only();
create trigger audit_tree_append_only before update or delete on audit_tree
    for each row execute function audit_append_only();
create trigger audit_tree_no_truncate before truncate on audit_tree
    for each statement execute function audit_append_only();
create trigger audit_checkpoints_append_only before update or delete on audit_checkpoints
    for each row execute function audit_append_only();
create trigger audit_checkpoints_no_truncate before truncate on audit_checkpoints
    for each statement execute function audit_append_only();

-- The service's role: everything it needs on its own tables, now and those later migrations create,
-- and on the audit tables only to read and append. It owns nothing, so it can neither alter a table
-- nor disable a trigger.
grant usage on schema assignment to ${service_role};
grant select, insert, update, delete on all tables in schema assignment to ${service_role};
grant usage on all sequences in schema assignment to ${service_role};
alter default privileges in schema assignment grant select, insert, update, delete on tables to ${service_role};
alter default privileges in schema assignment grant usage on sequences to ${service_role};
revoke update, delete, truncate on audit_events, audit_log, audit_tree, audit_checkpoints from ${service_role};
