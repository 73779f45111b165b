package io.vfleet.assignment.adapter.persistence;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;

/**
 * Refuses to start the service on a database role that could alter the audit log: one that owns an
 * audit table (and so could disable its triggers), is a superuser, or holds UPDATE, DELETE or
 * TRUNCATE on one. The service connects with a role that may only read and append them; migrations
 * run as the schema's owner ({@code spring.flyway.user}). Checked once every bean, the migrations
 * included, is ready, and before anything is served.
 */
final class AppendOnlyRoleCheck implements SmartInitializingSingleton {

    private final NamedParameterJdbcTemplate jdbc;

    AppendOnlyRoleCheck(NamedParameterJdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    @Override
    public void afterSingletonsInstantiated() {
        List<String> problems = new ArrayList<>();
        jdbc.query("""
                select current_user as role, c.relname,
                       pg_has_role(current_user, c.relowner, 'MEMBER') as owns,
                       has_table_privilege(current_user, c.oid, 'UPDATE') as can_update,
                       has_table_privilege(current_user, c.oid, 'DELETE') as can_delete,
                       has_table_privilege(current_user, c.oid, 'TRUNCATE') as can_truncate
                from pg_class c join pg_namespace n on n.oid = c.relnamespace
                where n.nspname = 'assignment'
                  and c.relname in ('audit_events', 'audit_log', 'audit_tree', 'audit_checkpoints')
                order by c.relname
                """, Map.of(), row -> {
                    List<String> powers = new ArrayList<>();
                    if (row.getBoolean("owns")) {
                        powers.add("owns it");
                    }
                    for (String privilege : List.of("update", "delete", "truncate")) {
                        if (row.getBoolean("can_" + privilege)) {
                            powers.add("may " + privilege.toUpperCase(java.util.Locale.ROOT));
                        }
                    }
                    if (!powers.isEmpty()) {
                        problems.add("role " + row.getString("role") + " " + String.join(", ", powers) + " on "
                                + row.getString("relname"));
                    }
                });
        if (!problems.isEmpty()) {
            throw new IllegalStateException("the service's database role could rewrite the audit log (" + String.join("; ", problems)
                    + "). Connect with a role that may only read and insert the audit tables (spring.datasource.username)"
                    + " and run migrations as the schema's owner (spring.flyway.user); the migrations grant exactly that"
                    + " to spring.flyway.placeholders.service_role.");
        }
    }
}
