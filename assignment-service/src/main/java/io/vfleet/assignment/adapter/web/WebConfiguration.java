package io.vfleet.assignment.adapter.web;

import io.vfleet.security.Caller;
import io.vfleet.security.Role;
import io.vfleet.security.web.RestAccess;
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
    RestAccess restAccess() {
        Role[] readers = {Role.ORCHESTRATOR, Role.OPERATOR, Role.AUDITOR};
        Role[] actors = {Role.ORCHESTRATOR, Role.OPERATOR};
        return new RestAccess()
                .open("/actuator/health", "/actuator/health/**", "/dashboard", "/dashboard/", "/dashboard/**",
                        "/v3/api-docs", "/v3/api-docs/**", "/swagger-ui.html", "/swagger-ui/**")
                .allow(HttpMethod.POST, "/api/v1/assignments", actors)
                .allow(HttpMethod.GET, "/api/v1/assignments", readers)
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
                .allow(HttpMethod.GET, "/actuator/prometheus", Role.OPERATOR, Role.AUDITOR);
    }
}
