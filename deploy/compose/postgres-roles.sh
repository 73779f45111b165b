#!/bin/sh
# Run once, when the PostgreSQL container creates its cluster: the role the assignment service connects
# with. It may read and append the audit log and owns no table; the service's migrations run as
# POSTGRES_USER, which owns the schema.
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
    -v password="$VFLEET_ASSIGNMENT_DB_PASSWORD" <<'SQL'
create role assignment login password :'password';
SQL
