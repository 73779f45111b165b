package io.vfleet.security.web;

import io.vfleet.security.Caller;
import java.util.List;
import org.springframework.security.authentication.AbstractAuthenticationToken;
import org.springframework.security.core.authority.SimpleGrantedAuthority;

/** An authenticated request in Spring Security's terms: the {@link Caller} as principal, its role as {@code ROLE_<ROLE>}. */
public final class CallerAuthentication extends AbstractAuthenticationToken {
    private final Caller caller;

    public CallerAuthentication(Caller caller) {
        super(List.of(new SimpleGrantedAuthority("ROLE_" + caller.role().name())));
        this.caller = caller;
        setAuthenticated(true);
    }

    @Override
    public Object getCredentials() {
        return "";
    }

    @Override
    public Caller getPrincipal() {
        return caller;
    }

    @Override
    public String getName() {
        return caller.principal();
    }
}
