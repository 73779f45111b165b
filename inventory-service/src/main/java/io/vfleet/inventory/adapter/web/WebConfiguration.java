package io.vfleet.inventory.adapter.web;

import io.swagger.v3.oas.models.Components;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.info.Info;
import io.swagger.v3.oas.models.security.SecurityScheme;
import io.vfleet.security.Role;
import io.vfleet.security.web.RestAccess;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.HttpMethod;

/**
 * The REST edge's wiring: who may call what, and the OpenAPI description's title and security scheme.
 * Health stays open for probes; the inventory's reads are for people and schedulers (not for agents,
 * whose certificate lets them register their own node and nothing more); the metrics for operators
 * and auditors.
 */
@Configuration(proxyBeanMethods = false)
class WebConfiguration {

    @Bean
    RestAccess restAccess() {
        return new RestAccess()
                .open("/actuator/health", "/actuator/health/**", "/v3/api-docs", "/v3/api-docs/**", "/swagger-ui.html",
                        "/swagger-ui/**")
                .allow(HttpMethod.GET, "/api/v1/nodes", Role.ORCHESTRATOR, Role.OPERATOR, Role.AUDITOR)
                .allow(HttpMethod.GET, "/api/v1/nodes/{name}", Role.ORCHESTRATOR, Role.OPERATOR, Role.AUDITOR)
                .allow(HttpMethod.GET, "/api/v1/devices", Role.ORCHESTRATOR, Role.OPERATOR, Role.AUDITOR)
                .allow(HttpMethod.GET, "/actuator/prometheus", Role.OPERATOR, Role.AUDITOR);
    }

    @Bean
    OpenAPI inventoryOpenApi() {
        return new OpenAPI()
                .info(new Info().title("vfleet inventory").version("v1")
                        .description("The fleet's nodes, devices, IOMMU groups and reset sets, as their agents report them."))
                .components(new Components().addSecuritySchemes("bearer",
                        new SecurityScheme().type(SecurityScheme.Type.HTTP).scheme("bearer").bearerFormat("JWT")));
    }
}
