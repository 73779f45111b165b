package io.vfleet.security.web;

import io.vfleet.security.BearerAuthenticator;
import io.vfleet.security.Caller;
import io.vfleet.security.Role;
import io.vfleet.security.ServiceSecurityAutoConfiguration;
import io.vfleet.security.Unauthenticated;
import java.util.List;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.core.MethodParameter;
import org.springframework.security.authentication.AuthenticationProvider;
import org.springframework.security.authentication.ProviderManager;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.annotation.web.configurers.AbstractHttpConfigurer;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.security.oauth2.server.resource.InvalidBearerTokenException;
import org.springframework.security.oauth2.server.resource.authentication.BearerTokenAuthenticationToken;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.servlet.util.matcher.PathPatternRequestMatcher;
import org.springframework.web.bind.support.WebDataBinderFactory;
import org.springframework.web.context.request.NativeWebRequest;
import org.springframework.web.method.support.HandlerMethodArgumentResolver;
import org.springframework.web.method.support.ModelAndViewContainer;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

/**
 * REST through Spring Security's OAuth2 resource server: the bearer token of every request goes to
 * the application's one {@link BearerAuthenticator} (a JWT, or a static token in the local stack),
 * the {@link Caller} it proves becomes the request's principal, and the application's
 * {@link RestAccess} table decides by role. Open paths stay open; anything the table does not name
 * is refused. Stateless: no session, no CSRF token (no cookie authenticates anything).
 */
@AutoConfiguration(after = ServiceSecurityAutoConfiguration.class, beforeName = {
        "org.springframework.boot.security.autoconfigure.web.servlet.ServletWebSecurityAutoConfiguration",
        "org.springframework.boot.security.autoconfigure.actuate.web.servlet.ManagementWebSecurityAutoConfiguration",
        "org.springframework.boot.security.autoconfigure.UserDetailsServiceAutoConfiguration",
        "org.springframework.boot.security.oauth2.server.resource.autoconfigure.web.OAuth2ResourceServerWebSecurityAutoConfiguration"})
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
@ConditionalOnBean(RestAccess.class)
public class RestSecurity implements WebMvcConfigurer {


    /** Bearer tokens become callers here, for Spring Security's resource server filter. */
    @Bean
    AuthenticationProvider bearerAuthenticationProvider(BearerAuthenticator authenticator) {
        return new AuthenticationProvider() {
            @Override
            public Authentication authenticate(Authentication authentication) {
                String token = ((BearerTokenAuthenticationToken) authentication).getToken();
                try {
                    return new CallerAuthentication(authenticator.authenticate(token));
                } catch (Unauthenticated refused) {
                    throw new InvalidBearerTokenException(refused.getMessage());
                }
            }

            @Override
            public boolean supports(Class<?> authentication) {
                return BearerTokenAuthenticationToken.class.isAssignableFrom(authentication);
            }
        };
    }

    @Bean
    SecurityFilterChain restSecurityFilterChain(HttpSecurity http, RestAccess rules, AuthenticationProvider bearerAuthenticationProvider)
            throws Exception {
        ProblemRefusals refusals = new ProblemRefusals(rules);
        ProviderManager manager = new ProviderManager(bearerAuthenticationProvider);
        http.csrf(AbstractHttpConfigurer::disable)
                .httpBasic(AbstractHttpConfigurer::disable)
                .formLogin(AbstractHttpConfigurer::disable)
                .logout(AbstractHttpConfigurer::disable)
                .requestCache(AbstractHttpConfigurer::disable)
                .anonymous(AbstractHttpConfigurer::disable)
                .sessionManagement(session -> session.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
                .oauth2ResourceServer(server -> server
                        .authenticationManagerResolver(request -> manager)
                        .authenticationEntryPoint(refusals)
                        .accessDeniedHandler(refusals))
                .exceptionHandling(exceptions -> exceptions.authenticationEntryPoint(refusals).accessDeniedHandler(refusals))
                .authorizeHttpRequests(authorize -> {
                    authorize.requestMatchers("/error").permitAll();
                    for (String open : rules.openPatterns()) {
                        authorize.requestMatchers(PathPatternRequestMatcher.pathPattern(open)).permitAll();
                    }
                    for (RestAccess.Rule rule : rules.rules()) {
                        authorize.requestMatchers(PathPatternRequestMatcher.pathPattern(rule.method(), rule.pattern()))
                                .hasAnyRole(rule.roles().stream().map(Role::name).toArray(String[]::new));
                    }
                    authorize.anyRequest().denyAll();
                });
        return http.build();
    }

    /** The authenticated {@link Caller} as a controller argument. */
    @Override
    public void addArgumentResolvers(List<HandlerMethodArgumentResolver> resolvers) {
        resolvers.add(new HandlerMethodArgumentResolver() {
            @Override
            public boolean supportsParameter(MethodParameter parameter) {
                return parameter.getParameterType() == Caller.class;
            }

            @Override
            public Object resolveArgument(MethodParameter parameter, ModelAndViewContainer container,
                    NativeWebRequest request, WebDataBinderFactory binders) {
                if (SecurityContextHolder.getContext().getAuthentication() instanceof CallerAuthentication authenticated) {
                    return authenticated.getPrincipal();
                }
                throw new AssertionError("a controller asking for its Caller is reached only by authenticated requests");
            }
        });
    }
}
