-- Which run of the service (its incarnation, held as a PostgreSQL advisory lock while it lives) last
-- moved an assignment or fenced a device. Reconciliation takes over an unfinished step at once when
-- the run that drove it is gone, and waits for it to settle while that run is alive.
alter table assignments add column driver integer;
alter table assignment_devices add column driver integer;
