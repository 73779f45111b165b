package io.vfleet.assignment.adapter.web;

import io.vfleet.assignment.adapter.security.BearerTokens;
import io.vfleet.assignment.application.Caller;
import io.vfleet.rest.ProblemWriter;
import java.util.List;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.MethodParameter;
import org.springframework.web.bind.support.WebDataBinderFactory;
import org.springframework.web.context.request.NativeWebRequest;
import org.springframework.web.context.request.RequestAttributes;
import org.springframework.web.method.support.HandlerMethodArgumentResolver;
import org.springframework.web.method.support.ModelAndViewContainer;
import org.springframework.web.servlet.config.annotation.InterceptorRegistry;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

/**
 * Bearer-token authentication on {@code /api/**} and on the Prometheus scrape, and the authenticated
 * {@link Caller} as a controller argument. {@code /actuator/health/**} stays open for probes.
 */
@Configuration(proxyBeanMethods = false)
class WebConfiguration implements WebMvcConfigurer {

    static {
        // The caller comes from the bearer token, not from the request: keep it out of the OpenAPI description.
        org.springdoc.core.utils.SpringDocUtils.getConfig().addRequestWrapperToIgnore(Caller.class);
    }

    private final BearerTokens tokens;

    WebConfiguration(BearerTokens tokens) {
        this.tokens = tokens;
    }

    @Bean
    FilterRegistrationBean<MetricsTokenFilter> metricsTokenFilter(ProblemWriter problems) {
        FilterRegistrationBean<MetricsTokenFilter> registration = new FilterRegistrationBean<>(new MetricsTokenFilter(tokens, problems));
        registration.addUrlPatterns("/actuator/prometheus");
        return registration;
    }

    @Override
    public void addInterceptors(InterceptorRegistry registry) {
        registry.addInterceptor(new BearerTokenInterceptor(tokens)).addPathPatterns("/api/**");
    }

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
                Object caller = request.getAttribute(BearerTokenInterceptor.CALLER, RequestAttributes.SCOPE_REQUEST);
                if (caller == null) {
                    throw new AssertionError("every /api request passes BearerTokenInterceptor first");
                }
                return caller;
            }
        });
    }
}
