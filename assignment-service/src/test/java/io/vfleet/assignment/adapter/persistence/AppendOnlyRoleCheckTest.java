package io.vfleet.assignment.adapter.persistence;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vfleet.assignment.support.AssignmentDatabase;
import java.util.Map;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;

class AppendOnlyRoleCheckTest {

    @BeforeAll
    static void migrate() {
        Flyway.configure().dataSource(AssignmentDatabase.owner()).schemas("assignment")
                .placeholders(Map.of("service_role", AssignmentDatabase.SERVICE)).load().migrate();
    }

    @Test
    void theServicesOwnRolePasses() {
        assertThatCode(() -> new AppendOnlyRoleCheck(new NamedParameterJdbcTemplate(AssignmentDatabase.service()))
                .afterSingletonsInstantiated()).doesNotThrowAnyException();
    }

    @Test
    void theSchemasOwnerOrASuperuserIsRefused() {
        assertThatThrownBy(() -> new AppendOnlyRoleCheck(new NamedParameterJdbcTemplate(AssignmentDatabase.owner()))
                .afterSingletonsInstantiated())
                .hasMessageContaining("role assignment_owner owns it, may UPDATE, may DELETE, may TRUNCATE on audit_events")
                .hasMessageContaining("spring.flyway.user");
        assertThatThrownBy(() -> new AppendOnlyRoleCheck(new NamedParameterJdbcTemplate(AssignmentDatabase.superuser()))
                .afterSingletonsInstantiated())
                .hasMessageContaining("owns it");
    }
}
