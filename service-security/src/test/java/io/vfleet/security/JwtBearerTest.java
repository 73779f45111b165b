package io.vfleet.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.net.URI;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.security.oauth2.jwt.JwtDecoder;
import org.springframework.security.oauth2.jwt.NimbusJwtDecoder;

/**
 * Access tokens as an OIDC issuer signs them (RS256, a key of its JWK set), checked by the same
 * validators the apps build: signature, issuer, validity, audience; the caller from the configured claims.
 */
class JwtBearerTest {
    private static final String ISSUER = "https://issuer.example/realms/vfleet";
    private static RSAKey issuerKey;
    private static RSAKey strangerKey;
    private static JwtBearer bearer;

    @BeforeAll
    static void keys() throws JOSEException {
        issuerKey = new RSAKeyGenerator(2048).keyID("issuer-1").generate();
        strangerKey = new RSAKeyGenerator(2048).keyID("issuer-1").generate();
        SecurityProperties.Jwt claims = new SecurityProperties.Jwt(URI.create(ISSUER), null, List.of("vfleet-api"),
                "realm_access.roles", "vfleet_tenant", null);
        JwtDecoder decoder = JwtBearer.validating(
                NimbusJwtDecoder.withPublicKey(issuerKey.toRSAPublicKey()).build(), claims);
        bearer = new JwtBearer(decoder, claims);
    }

    private static String token(RSAKey key, Consumer<JWTClaimsSet.Builder> claims) throws JOSEException {
        JWTClaimsSet.Builder builder = new JWTClaimsSet.Builder().issuer(ISSUER).subject("scheduler-7").audience("vfleet-api")
                .issueTime(Date.from(Instant.now())).expirationTime(Date.from(Instant.now().plusSeconds(300)))
                .claim("realm_access", Map.of("roles", List.of("offline_access", "orchestrator")))
                .claim("vfleet_tenant", "acme");
        claims.accept(builder);
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(key.getKeyID()).build(), builder.build());
        jwt.sign(new RSASSASigner(key));
        return jwt.serialize();
    }

    @Test
    void anIssuersTokenProvesTheCallerItsClaimsName() throws JOSEException {
        Caller caller = bearer.authenticate(token(issuerKey, claims -> { }));

        assertThat(caller).isEqualTo(Caller.of("scheduler-7", Role.ORCHESTRATOR, "acme"));
        assertThat(caller.principal()).isEqualTo("orchestrator:scheduler-7");
    }

    @Test
    void aTokenSignedByAnotherKeyExpiredForAnotherAudienceOrIssuerProvesNothing() throws JOSEException {
        assertThatThrownBy(() -> bearer.authenticate(token(strangerKey, claims -> { }))).isInstanceOf(Unauthenticated.class);
        assertThatThrownBy(() -> bearer.authenticate(token(issuerKey, claims -> claims
                .issueTime(Date.from(Instant.now().minusSeconds(1200))).expirationTime(Date.from(Instant.now().minusSeconds(600))))))
                .isInstanceOf(Unauthenticated.class).hasMessageContaining("expired");
        assertThatThrownBy(() -> bearer.authenticate(token(issuerKey, claims -> claims.audience("another-api"))))
                .isInstanceOf(Unauthenticated.class).hasMessageContaining("aud");
        assertThatThrownBy(() -> bearer.authenticate(token(issuerKey, claims -> claims.issuer("https://evil.example"))))
                .isInstanceOf(Unauthenticated.class).hasMessageContaining("iss");
    }

    @Test
    void aTokenMustNameExactlyOnePersonsRole() throws JOSEException {
        assertThatThrownBy(() -> bearer.authenticate(token(issuerKey, claims -> claims
                .claim("realm_access", Map.of("roles", List.of("operator", "auditor"))))))
                .isInstanceOf(Unauthenticated.class).hasMessageContaining("exactly one");
        assertThatThrownBy(() -> bearer.authenticate(token(issuerKey, claims -> claims
                .claim("realm_access", Map.of("roles", List.of("controller"))))))
                .as("the fleet's own identities come from certificates, never from a token")
                .isInstanceOf(Unauthenticated.class);
    }

    @Test
    void onlyAnOrchestratorIsScopedToATenant() throws JOSEException {
        Caller operator = bearer.authenticate(token(issuerKey, claims -> claims
                .claim("realm_access", Map.of("roles", List.of("operator")))));

        assertThat(operator.tenant()).isNull();
        assertThat(operator.role()).isEqualTo(Role.OPERATOR);
    }
}
