package io.vfleet.assignment.adapter.persistence;

import io.vfleet.assignment.application.port.AuditCheckpoints;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;

/** Signed checkpoints in {@code audit_checkpoints}: one per tree size, never updated. */
final class JdbcAuditCheckpoints implements AuditCheckpoints {

    private final NamedParameterJdbcTemplate jdbc;

    JdbcAuditCheckpoints(NamedParameterJdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    @Override
    public void keep(long size, byte[] root, String note, String keyName) {
        jdbc.update("""
                insert into assignment.audit_checkpoints (tree_size, root, note, key_name)
                values (:size, :root, :note, :keyName) on conflict (tree_size) do nothing
                """, new MapSqlParameterSource("size", size).addValue("root", root).addValue("note", note)
                .addValue("keyName", keyName));
    }

    @Override
    public Optional<String> latest() {
        return jdbc.queryForList("select note from assignment.audit_checkpoints order by tree_size desc limit 1",
                Map.of(), String.class).stream().findFirst();
    }

    @Override
    public Optional<String> ofSize(long size) {
        return jdbc.queryForList("select note from assignment.audit_checkpoints where tree_size = :size",
                Map.of("size", size), String.class).stream().findFirst();
    }

    @Override
    public List<String> all() {
        return jdbc.queryForList("select note from assignment.audit_checkpoints order by tree_size", Map.of(), String.class);
    }
}
