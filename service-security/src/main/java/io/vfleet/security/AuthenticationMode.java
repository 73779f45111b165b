package io.vfleet.security;

import java.util.Collection;
import java.util.function.Supplier;
import org.springframework.security.oauth2.jwt.JwtDecoder;

/**
 * Which way an application authenticates, chosen once at startup and refused when unsafe: OAuth2 JWTs
 * when {@code vfleet.security.jwt} names an issuer, the static token table only in the profile
 * {@value SecurityProperties#LOCAL_PROFILE}, and no start at all without either (fail closed).
 *
 * <p>Nothing here needs a Spring context: the Spring applications choose with their environment's
 * profiles ({@link ServiceSecurityAutoConfiguration}), an entry point without Spring with the settings
 * {@link SecuritySettings} read.
 */
public final class AuthenticationMode {

    private AuthenticationMode() {
    }

    /** The authenticator the configuration asks for, with JWTs checked against the issuer's published keys. */
    public static BearerAuthenticator choose(SecurityProperties properties, Collection<String> activeProfiles) {
        return choose(properties, activeProfiles, () -> JwtBearer.issuersDecoder(properties.jwt()));
    }

    /** The authenticator the configuration asks for; {@code decoder} builds the JWT decoder when it is JWTs. */
    public static BearerAuthenticator choose(SecurityProperties properties, Collection<String> activeProfiles,
            Supplier<JwtDecoder> decoder) {
        boolean local = activeProfiles.contains(SecurityProperties.LOCAL_PROFILE);
        boolean jwt = properties.jwt().configured();
        boolean tokens = !properties.tokens().isEmpty();
        if (jwt && tokens) {
            throw new IllegalStateException("Both vfleet.security.jwt and vfleet.security.tokens are configured: "
                    + "a service takes access tokens from one issuer, or (in the local stack only) static tokens, not both");
        }
        if (tokens && !local) {
            throw new IllegalStateException("vfleet.security.tokens are static bearer tokens for the local stack only, "
                    + "and this application does not run with the Spring profile '" + SecurityProperties.LOCAL_PROFILE
                    + "': configure vfleet.security.jwt.issuer-uri (and audiences) for OAuth2 access tokens instead");
        }
        if (jwt) {
            if (properties.jwt().audiences().isEmpty()) {
                throw new IllegalStateException("vfleet.security.jwt.audiences is empty: name the audience this "
                        + "service's access tokens are issued for, or any token of the issuer would do");
            }
            return new JwtBearer(decoder.get(), properties.jwt());
        }
        if (tokens) {
            return new StaticTokens(properties.tokens());
        }
        throw new IllegalStateException("No authentication is configured, and this application serves nobody "
                + "unauthenticated: set vfleet.security.jwt.issuer-uri and vfleet.security.jwt.audiences for "
                + "OAuth2 access tokens, or, for the local stack only, the profile '" + SecurityProperties.LOCAL_PROFILE
                + "' with vfleet.security.tokens");
    }
}
