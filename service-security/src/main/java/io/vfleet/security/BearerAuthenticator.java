package io.vfleet.security;

/**
 * The one way an application turns a bearer token into a {@link Caller}, for REST and gRPC alike:
 * a JWT access token checked against the issuer's keys ({@link JwtBearer}), or the local stack's
 * static tokens ({@link StaticTokens}).
 */
public interface BearerAuthenticator {

    /**
     * The caller {@code token} (the part after {@code Bearer }) proves.
     *
     * @throws Unauthenticated when it proves nothing: unknown, expired, badly signed, for another audience
     */
    Caller authenticate(String token);

    /** The value of an {@code Authorization} header or metadata entry, without its {@code Bearer} scheme; null if it has none. */
    static String bearerOf(String authorization) {
        if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return null;
        }
        String token = authorization.substring(7).strip();
        return token.isEmpty() ? null : token;
    }
}
