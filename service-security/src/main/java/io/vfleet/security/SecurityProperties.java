package io.vfleet.security;

import java.net.URI;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * How an application authenticates its callers ({@code vfleet.security.*}): OAuth2/OIDC access tokens
 * ({@code jwt}), or, in the local stack's profile {@value #LOCAL_PROFILE} only, a table of static
 * bearer tokens ({@code tokens}). Exactly one of the two; neither stops the application at startup.
 *
 * @param tokens the local stack's static tokens, each with the caller it stands for
 * @param jwt    the issuer whose access tokens are accepted, and where their claims say who the caller is
 */
@ConfigurationProperties("vfleet.security")
public record SecurityProperties(List<StaticToken> tokens, Jwt jwt) {

    /** The Spring profile the local stack and the tests run with; static tokens are refused outside it. */
    public static final String LOCAL_PROFILE = "local";

    public SecurityProperties {
        tokens = tokens == null ? List.of() : List.copyOf(tokens);
        jwt = jwt == null ? new Jwt(null, null, null, null, null, null) : jwt;
    }

    /**
     * One static token and who presents it: {@code role} orchestrator (with an optional {@code tenant}),
     * operator, auditor, agent (with its {@code node}) or controller; {@code subject} names the holder in
     * logs and the audit log (by default the role and the start of the token's digest).
     */
    public record StaticToken(String token, String role, String tenant, String node, String subject) {}

    /**
     * Bearer tokens as JSON Web Tokens from an OpenID issuer.
     *
     * @param issuerUri    the issuer ({@code iss}) every token must name; its JWK set is found through its
     *                     OpenID discovery document unless {@code jwkSetUri} says where it is
     * @param jwkSetUri    where the issuer publishes its signing keys
     * @param audiences    a token must name one of these in {@code aud}; required
     * @param roleClaim    the claim (a dotted path for a nested one, such as {@code realm_access.roles}) that
     *                     holds the vfleet role, as a string or a list of strings; {@code roles} by default
     * @param tenantClaim  the claim holding an orchestrator's tenant; {@code tenant} by default
     * @param subjectClaim the claim naming the caller; {@code sub} by default
     */
    public record Jwt(URI issuerUri, URI jwkSetUri, List<String> audiences, String roleClaim, String tenantClaim,
            String subjectClaim) {
        public Jwt {
            audiences = audiences == null ? List.of() : List.copyOf(audiences);
            roleClaim = blank(roleClaim) ? "roles" : roleClaim;
            tenantClaim = blank(tenantClaim) ? "tenant" : tenantClaim;
            subjectClaim = blank(subjectClaim) ? "sub" : subjectClaim;
        }

        public boolean configured() {
            return issuerUri != null || jwkSetUri != null;
        }

        private static boolean blank(String value) {
            return value == null || value.isBlank();
        }
    }
}
