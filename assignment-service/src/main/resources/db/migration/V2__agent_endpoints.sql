-- Where each node's agent listens, as the inventory last reported it; null until it did.
alter table nodes add column agent_endpoint text;
