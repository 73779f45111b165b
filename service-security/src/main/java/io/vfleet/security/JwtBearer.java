package io.vfleet.security;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import org.springframework.security.oauth2.core.DelegatingOAuth2TokenValidator;
import org.springframework.security.oauth2.core.OAuth2TokenValidator;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.jwt.JwtClaimNames;
import org.springframework.security.oauth2.jwt.JwtClaimValidator;
import org.springframework.security.oauth2.jwt.JwtDecoder;
import org.springframework.security.oauth2.jwt.JwtException;
import org.springframework.security.oauth2.jwt.JwtValidators;
import org.springframework.security.oauth2.jwt.NimbusJwtDecoder;
import org.springframework.security.oauth2.jwt.SupplierJwtDecoder;

/**
 * OAuth2/OIDC access tokens: the decoder checks the signature against the issuer's JWK set, the
 * issuer, the audience and the validity period; the claims named in {@link SecurityProperties.Jwt}
 * say the subject, the role and an orchestrator's tenant. A token without exactly one vfleet role
 * proves nothing here. Spring Security's JWT support is used as a library: no Spring context is needed.
 */
public final class JwtBearer implements BearerAuthenticator {
    private final JwtDecoder decoder;
    private final SecurityProperties.Jwt claims;

    public JwtBearer(JwtDecoder decoder, SecurityProperties.Jwt claims) {
        this.decoder = decoder;
        this.claims = claims;
    }

    /**
     * Signatures from the issuer's JWK set (fetched on first use and refreshed as keys rotate), then the
     * issuer, the validity period with Spring's default skew, and the audience.
     */
    static JwtDecoder issuersDecoder(SecurityProperties.Jwt jwt) {
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

    @Override
    public Caller authenticate(String token) {
        Jwt jwt;
        try {
            jwt = decoder.decode(token);
        } catch (JwtException invalid) {
            // The decoder's words name the failed check (expired, wrong audience), never the token.
            throw new Unauthenticated("the access token is not valid: " + invalid.getMessage());
        }
        return callerOf(jwt);
    }

    Caller callerOf(Jwt jwt) {
        Object subject = claim(jwt.getClaims(), claims.subjectClaim());
        if (!(subject instanceof String name) || name.isBlank()) {
            throw new Unauthenticated("the access token has no " + claims.subjectClaim() + " claim");
        }
        List<Role> roles = new ArrayList<>();
        for (String value : strings(claim(jwt.getClaims(), claims.roleClaim()))) {
            Role role = Role.fromClaim(value);
            // The fleet's processes prove who they are with certificates, never with a token.
            if (role != null && role != Role.AGENT && role != Role.CONTROLLER && !roles.contains(role)) {
                roles.add(role);
            }
        }
        if (roles.size() != 1) {
            throw new Unauthenticated("the access token's " + claims.roleClaim() + " claim must name exactly one of "
                    + "orchestrator, operator, auditor; it names " + roles.size());
        }
        Object tenant = claim(jwt.getClaims(), claims.tenantClaim());
        if (tenant != null && !(tenant instanceof String)) {
            throw new Unauthenticated("the access token's " + claims.tenantClaim() + " claim is not a string");
        }
        Role role = roles.getFirst();
        String scoped = role == Role.ORCHESTRATOR && tenant != null && !((String) tenant).isBlank() ? (String) tenant : null;
        return Caller.of(name, role, scoped);
    }

    /** The claim at a dotted path, such as {@code realm_access.roles}; null when absent. */
    private static Object claim(Map<String, Object> all, String path) {
        Object current = all;
        for (String part : path.split("\\.", -1)) {
            if (!(current instanceof Map<?, ?> map)) {
                return null;
            }
            current = map.get(part);
        }
        return current;
    }

    private static List<String> strings(Object value) {
        if (value instanceof String single) {
            return List.of(single.split(" "));
        }
        if (value instanceof Collection<?> many) {
            return many.stream().filter(String.class::isInstance).map(String.class::cast).toList();
        }
        return List.of();
    }
}
