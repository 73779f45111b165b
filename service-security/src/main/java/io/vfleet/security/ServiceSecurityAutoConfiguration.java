package io.vfleet.security;

import java.util.List;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.core.env.Environment;

/** The one {@link BearerAuthenticator} of the application, chosen by {@link AuthenticationMode} with its active profiles. */
@AutoConfiguration
@EnableConfigurationProperties(SecurityProperties.class)
public class ServiceSecurityAutoConfiguration {

    @Bean
    BearerAuthenticator bearerAuthenticator(SecurityProperties properties, Environment environment) {
        return AuthenticationMode.choose(properties, List.of(environment.getActiveProfiles()));
    }
}
