package io.vfleet.assignment.adapter.security;

import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The token table, from {@code vfleet.security.tokens}, for the REST and the gRPC edge alike. */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(SecurityProperties.class)
class SecurityConfiguration {

    @Bean
    BearerTokens bearerTokens(SecurityProperties properties) {
        return new BearerTokens(properties);
    }
}
