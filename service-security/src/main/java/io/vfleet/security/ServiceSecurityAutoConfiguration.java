package io.vfleet.security;

import java.util.ArrayList;
import java.util.List;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.core.env.Environment;
import org.springframework.security.oauth2.core.DelegatingOAuth2TokenValidator;
import org.springframework.security.oauth2.core.OAuth2TokenValidator;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.jwt.JwtClaimNames;
import org.springframework.security.oauth2.jwt.JwtClaimValidator;
import org.springframework.security.oauth2.jwt.JwtDecoder;
import org.springframework.security.oauth2.jwt.JwtValidators;
import org.springframework.security.oauth2.jwt.NimbusJwtDecoder;
import org.springframework.security.oauth2.jwt.SupplierJwtDecoder;

/** The one {@link BearerAuthenticator} of the application, chosen by {@link AuthenticationMode}. */
@AutoConfiguration
@EnableConfigurationProperties(SecurityProperties.class)
public class ServiceSecurityAutoConfiguration {

    @Bean
    BearerAuthenticator bearerAuthenticator(SecurityProperties properties, Environment environment) {
        return AuthenticationMode.choose(properties, environment, () -> decoder(properties.jwt()));
    }

    /**
     * Signatures from the issuer's JWK set (fetched on first use and refreshed as keys rotate), then the
     * issuer, the validity period with Spring's default skew, and the audience.
     */
    static JwtDecoder decoder(SecurityProperties.Jwt jwt) {
        return new SupplierJwtDecoder(() -> validating(jwt.jwkSetUri() != null
                ? NimbusJwtDecoder.withJwkSetUri(jwt.jwkSetUri().toString()).build()
                : NimbusJwtDecoder.withIssuerLocation(jwt.issuerUri().toString()).build(), jwt));
    }

    /** {@code decoder} checking the issuer, the validity period (Spring's default skew) and the audience. */
    static JwtDecoder validating(NimbusJwtDecoder decoder, SecurityProperties.Jwt jwt) {
        List<OAuth2TokenValidator<Jwt>> validators = new ArrayList<>();
        validators.add(jwt.issuerUri() == null ? JwtValidators.createDefault()
                : JwtValidators.createDefaultWithIssuer(jwt.issuerUri().toString()));
        validators.add(new JwtClaimValidator<List<String>>(JwtClaimNames.AUD,
                audience -> audience != null && audience.stream().anyMatch(jwt.audiences()::contains)));
        decoder.setJwtValidator(new DelegatingOAuth2TokenValidator<>(validators));
        return decoder;
    }
}
