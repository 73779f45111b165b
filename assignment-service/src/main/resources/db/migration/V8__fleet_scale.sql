-- Decisions at fleet scale: no row that every state change of a node or of the fleet must lock, a
-- quota counter per tenant, and the change log that replicas' fleet views and watchers follow.

-- Fencing epochs from one sequence instead of a row per node: each value is newer than every value
-- handed out before, on any replica, and taking one locks nothing until the commit. Agents compare
-- epochs per assignment, so values newer than a node's old counter keep every promise it made.
create sequence fencing_epoch;
select setval('fencing_epoch', coalesce((select max(epoch) from fencing_epochs), 0) + 1, false);
drop table fencing_epochs;

-- The devices each tenant holds (owner holds standing), kept in the transaction that takes or lets go
-- of them: the quota check is one conditional increment of the tenant's row, taken last in the
-- reservation, so concurrent requests of one tenant wait on each other only for their commits.
create table tenant_usage (
    tenant  text primary key,
    devices integer not null check (devices >= 0)
);
insert into tenant_usage (tenant, devices)
select tenant, count(*) from assignment_devices where held and role = 'OWNER' group by tenant;

-- Every change of an assignment, as the assignment stood after it. The revision is the writing
-- transaction's id, so a change becomes readable only once no older transaction is still running
-- (pg_snapshot_xmin): readers that take revisions below that horizon, in order, never skip one that
-- commits later. Every transaction that writes a change takes the assignment's row first, so one
-- assignment's changes have increasing revisions, in the order they were made.
--
-- Compacted: a change older than the retention is deleted once a newer change of its assignment is older
-- than the retention too, or when it ended the assignment; so the log keeps each live assignment's
-- latest change, and every change of the retention window (list-then-watch, resumable within it).
create table assignment_changes (
    revision      bigint not null default (pg_current_xact_id()::text::bigint),
    assignment_id text   not null,
    tenant        text   not null,
    node          text   not null,
    state         text   not null,
    -- The assignment as it stood after the change (JSON, the persistence adapter's form).
    assignment    text   not null,
    -- Devices this change left awaiting a scrub reset from the assignment's tenant, and devices it found scrubbed.
    scrub_pending text[] not null default '{}',
    scrubbed      text[] not null default '{}',
    recorded_at   timestamptz not null default now(),
    primary key (revision, assignment_id)
);
create index assignment_changes_by_assignment on assignment_changes (assignment_id, revision);
create index assignment_changes_live on assignment_changes (assignment_id)
    where state not in ('RELEASED', 'FAILED');

-- The revision of each assignment's last change, so that a listing at a revision finds each assignment's
-- change in the log at once, and reads the log further back only for the few changed since.
alter table assignments add column revision bigint not null default 0;
update assignments set revision = pg_current_xact_id()::text::bigint;
create index assignments_by_revision on assignments (revision);

-- Every change after this revision is still in the log; a watcher that resumes from an older one lists again.
create table assignment_changes_kept (
    id               integer primary key check (id = 1),
    oldest_resumable bigint  not null
);
insert into assignment_changes_kept (id, oldest_resumable) values (1, 0);

-- The live assignments of before this migration, so that the log lists them.
insert into assignment_changes (assignment_id, tenant, node, state, assignment)
select a.id, a.tenant, a.node, a.state, json_build_object(
           'id', a.id, 'tenant', a.tenant, 'node', a.node, 'state', a.state, 'withKvm', a.with_kvm,
           'devices', coalesce((select json_agg(json_build_object(
                   'bdf', d.bdf, 'vfioName', d.vfio_name, 'iommuGroup', d.iommu_group, 'resetSet', d.reset_set,
                   'kind', d.kind, 'devid', d.devid, 'hwptId', d.hwpt_id, 'functionReset', d.function_reset)
                   order by d.position)
               from assignment_devices d where d.assignment_id = a.id and d.role = 'OWNER'), '[]'::json),
           'ioasId', a.ioas_id,
           'hwptIds', case when a.hwpt_ids = '' then '[]'::json
                           else array_to_json(string_to_array(a.hwpt_ids, ',')::bigint[]) end,
           'failureReason', a.failure_reason,
           'createdAt', a.created_at,
           'updatedAt', a.updated_at)::text
from assignments a
where a.state not in ('RELEASED', 'FAILED');

-- Assignments by state for the dashboard's counts and filters.
create index assignments_by_state on assignments (state, created_at);
