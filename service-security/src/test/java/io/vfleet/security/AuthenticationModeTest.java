package io.vfleet.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Which way an app authenticates, and that every unsafe or missing choice stops it with words that say what to set. */
class AuthenticationModeTest {
    private static final SecurityProperties.StaticToken OPERATOR =
            new SecurityProperties.StaticToken("operator-token", "operator", null, null, null);

    @Test
    void withoutAnyAuthenticationTheAppDoesNotStart() {
        assertThatThrownBy(() -> AuthenticationMode.choose(new SecurityProperties(null, null), List.of(), () -> null))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageStartingWith("No authentication is configured")
                .hasMessageContaining("vfleet.security.jwt.issuer-uri");
    }

    @Test
    void staticTokensOutsideTheLocalProfileDoNotStart() {
        assertThatThrownBy(() -> AuthenticationMode.choose(new SecurityProperties(List.of(OPERATOR), null), List.of("prod"), () -> null))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("for the local stack only").hasMessageContaining("'local'");
    }

    @Test
    void staticTokensInTheLocalProfileAuthenticate() {
        BearerAuthenticator tokens = AuthenticationMode.choose(new SecurityProperties(List.of(OPERATOR), null), List.of("local"), () -> null);

        assertThat(tokens.authenticate("operator-token").role()).isEqualTo(Role.OPERATOR);
    }

    @Test
    void aJwtIssuerWithoutAnAudienceDoesNotStart() {
        SecurityProperties.Jwt jwt = new SecurityProperties.Jwt(URI.create("https://issuer.example"), null, null, null, null, null);

        assertThatThrownBy(() -> AuthenticationMode.choose(new SecurityProperties(null, jwt), List.of(), () -> null))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("vfleet.security.jwt.audiences");
    }

    @Test
    void jwtAndStaticTokensTogetherDoNotStart() {
        SecurityProperties.Jwt jwt = new SecurityProperties.Jwt(URI.create("https://issuer.example"), null, List.of("vfleet"),
                null, null, null);
        assertThatThrownBy(() -> AuthenticationMode.choose(new SecurityProperties(List.of(OPERATOR), jwt), List.of("local"), () -> null))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("not both");
    }
}
