-- An Idempotency-Key belongs to the caller that used it: another caller's same key is another key.
-- Keys live for vfleet.idempotency.key-lifetime; a claim ignores an expired key, and expired keys are
-- deleted in batches by their creation time.
delete from idempotency_keys;
alter table idempotency_keys drop constraint idempotency_keys_pkey;
alter table idempotency_keys add column caller text not null;
alter table idempotency_keys add primary key (caller, key);
create index idempotency_keys_by_age on idempotency_keys (created_at);
