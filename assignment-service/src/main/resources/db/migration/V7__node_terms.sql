-- Each node's controller term and the process that holds it: agents refuse calls of an older term, so
-- a controller that lost a node cannot undo its successor's decisions. The term grows only when another
-- process takes the node over, so one controller's concurrent calls never fence each other.
create table node_terms (
    node       text   primary key,
    term       bigint not null,
    controller text   not null
);
