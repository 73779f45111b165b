package io.vfleet.inventory.adapter.web;

import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.info.Info;
import io.swagger.v3.oas.models.servers.Server;
import io.vfleet.rest.ApiDescription;
import io.vfleet.security.Role;
import io.vfleet.security.web.RestAccess;
import java.util.List;
import java.util.Map;
import org.springdoc.core.customizers.OpenApiCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.HttpMethod;

/**
 * The REST edge's wiring: who may call what, and the OpenAPI description's title.
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
                .servers(List.of(new Server().url("http://localhost:8081").description("The local stack (./vfleet up)")));
    }

    /** The API's nouns for the views' Java names, in the OpenAPI description. */
    @Bean
    OpenApiCustomizer inventoryNouns() {
        return ApiDescription.nouns(Map.ofEntries(
                Map.entry("NodeView", "Node"),
                Map.entry("KernelView", "Kernel"),
                Map.entry("IommuGroupView", "IommuGroup"),
                Map.entry("WindowView", "IovaWindow"),
                Map.entry("ReservedRegionView", "ReservedRegion"),
                Map.entry("DeviceView", "Device"),
                Map.entry("PageNodeView", "NodePage"),
                Map.entry("PageDeviceView", "DevicePage")));
    }
}
