package io.vfleet.assignment.adapter.web;

import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.info.Info;
import io.swagger.v3.oas.models.servers.Server;
import io.vfleet.rest.ApiDescription;
import io.vfleet.security.Caller;
import io.vfleet.security.Role;
import io.vfleet.security.web.RestAccess;
import java.util.List;
import java.util.Map;
import org.springdoc.core.customizers.OpenApiCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.HttpMethod;

/**
 * Who may call what over REST, one table (see {@link RestAccess}): the probes, the dashboard's page and
 * the OpenAPI document are open; the API needs a role; the Prometheus scrape is for operators and
 * auditors, since the metrics name tenants' errors and the fleet's load. A tenant's scope is the use
 * cases' to check, on the authenticated {@link Caller} every controller gets as an argument.
 */
@Configuration(proxyBeanMethods = false)
class WebConfiguration {

    static {
        // The caller comes from the bearer token, not from the request: keep it out of the OpenAPI description.
        org.springdoc.core.utils.SpringDocUtils.getConfig().addRequestWrapperToIgnore(Caller.class);
    }

    @Bean
    OpenAPI assignmentOpenApi() {
        return new OpenAPI()
                .info(new Info().title("vfleet assignment").version("v1")
                        .description("Who gets which device: assignments of PCI devices to tenants' VMs, tenants' quotas "
                                + "and policy, and the audit log that proves its history."))
                .servers(List.of(new Server().url("http://localhost:8080").description("The local stack (./vfleet up)")));
    }

    /** The API's nouns for the bodies' Java names, in the OpenAPI description. */
    @Bean
    OpenApiCustomizer assignmentNouns() {
        return ApiDescription.nouns(Map.ofEntries(
                Map.entry("AssignBody", "AssignmentRequest"),
                Map.entry("SelectorBody", "DeviceSelector"),
                Map.entry("AssignmentBody", "Assignment"),
                Map.entry("DeviceBody", "AssignedDevice"),
                Map.entry("PageBodyAssignmentBody", "AssignmentPage"),
                Map.entry("ResetBody", "ResetRequest"),
                Map.entry("ResetOutcomeBody", "ResetOutcome"),
                Map.entry("PolicyBody", "TenantPolicy"),
                Map.entry("TenantBody", "Tenant"),
                Map.entry("UsageBody", "TenantUsage"),
                Map.entry("IoasBody", "TenantIoas"),
                Map.entry("EventBody", "AuditEvent"),
                Map.entry("EventsBody", "AuditEventPage"),
                Map.entry("OwnersBody", "DeviceOwners"),
                Map.entry("ProblemBody", "AuditProblem"),
                Map.entry("CheckpointBody", "TrustedCheckpoint"),
                Map.entry("VerificationBody", "AuditVerification"),
                Map.entry("InclusionBody", "InclusionProof"),
                Map.entry("ConsistencyBody", "ConsistencyProof"),
                Map.entry("Owner", "DeviceOwner"),
                // The dashboard's bodies are named where they are declared (their Java names are the API's too).
                Map.entry("ListedBodyNodeLine", "NodeLines"),
                Map.entry("ListedBodyAssignmentLine", "AssignmentLines"),
                Map.entry("ListedBodyEventLine", "EventLines")));
    }

    @Bean
    RestAccess restAccess() {
        Role[] readers = {Role.ORCHESTRATOR, Role.OPERATOR, Role.AUDITOR};
        Role[] actors = {Role.ORCHESTRATOR, Role.OPERATOR};
        return new RestAccess()
                .open("/actuator/health", "/actuator/health/**", "/dashboard", "/dashboard/", "/dashboard/**",
                        "/v3/api-docs", "/v3/api-docs/**", "/swagger-ui.html", "/swagger-ui/**")
                .allow(HttpMethod.POST, "/api/v1/assignments", actors)
                .allow(HttpMethod.GET, "/api/v1/assignments", readers)
                .allow(HttpMethod.GET, "/api/v1/assignments/watch", readers)
                .allow(HttpMethod.GET, "/api/v1/assignments/{id}", readers)
                .allow(HttpMethod.DELETE, "/api/v1/assignments/{id}", actors)
                .allow(HttpMethod.POST, "/api/v1/assignments/{id}/reset", actors)
                .allow(HttpMethod.PUT, "/api/v1/tenants/{tenant}", Role.OPERATOR)
                .allow(HttpMethod.GET, "/api/v1/tenants/{tenant}", readers)
                .allow(HttpMethod.GET, "/api/v1/audit/**", Role.OPERATOR, Role.AUDITOR)
                // Verifying against a checkpoint one kept, and signing a checkpoint now: still only reading the log.
                .allow(HttpMethod.POST, "/api/v1/audit/verify", Role.OPERATOR, Role.AUDITOR)
                .allow(HttpMethod.POST, "/api/v1/audit/checkpoints", Role.OPERATOR, Role.AUDITOR)
                .allow(HttpMethod.GET, "/api/v1/dashboard", Role.OPERATOR, Role.AUDITOR)
                .allow(HttpMethod.GET, "/api/v1/dashboard/nodes/{node}", Role.OPERATOR, Role.AUDITOR)
                .allow(HttpMethod.GET, "/actuator/prometheus", Role.OPERATOR, Role.AUDITOR);
    }
}
