package io.vfleet.inventory.adapter.web;

import io.swagger.v3.oas.models.Components;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.info.Info;
import io.swagger.v3.oas.models.security.SecurityScheme;
import io.vfleet.inventory.adapter.security.BearerTokens;
import io.vfleet.rest.ProblemWriter;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The REST edge's wiring: which paths need a bearer token, and the OpenAPI description's title and
 * security scheme. Health stays open for probes; the API and the metrics need a token.
 */
@Configuration(proxyBeanMethods = false)
class WebConfiguration {

    @Bean
    FilterRegistrationBean<BearerTokenFilter> bearerTokenFilter(BearerTokens tokens, ProblemWriter problems) {
        FilterRegistrationBean<BearerTokenFilter> registration = new FilterRegistrationBean<>(new BearerTokenFilter(tokens, problems));
        registration.addUrlPatterns("/api/*", "/actuator/prometheus");
        return registration;
    }

    @Bean
    OpenAPI inventoryOpenApi() {
        return new OpenAPI()
                .info(new Info().title("vfleet inventory").version("v1")
                        .description("The fleet's nodes, devices, IOMMU groups and reset sets, as their agents report them."))
                .components(new Components().addSecuritySchemes("bearer",
                        new SecurityScheme().type(SecurityScheme.Type.HTTP).scheme("bearer")));
    }
}
