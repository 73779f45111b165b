package io.vfleet.rest;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.jackson.autoconfigure.JacksonAutoConfiguration;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.boot.webmvc.autoconfigure.error.ErrorMvcAutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.http.converter.HttpMessageConverters;
import org.springframework.web.servlet.config.annotation.InterceptorRegistry;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;
import tools.jackson.databind.json.JsonMapper;

/**
 * The shared REST edge, for every service that has this module: strict JSON binding, the request
 * body limit, known query parameters only under {@code /api/}, and the container's error page as a
 * problem. The services' own advice extends {@link ProblemResponses}.
 */
@AutoConfiguration(before = ErrorMvcAutoConfiguration.class, after = JacksonAutoConfiguration.class)
@EnableConfigurationProperties(RestEdgeProperties.class)
public class RestEdgeAutoConfiguration {

    /** Where the APIs live: the paths whose query parameters are checked. */
    static final String API_PATHS = "/api/**";

    /**
     * Request bodies are read strictly ({@link StrictJson}) by a converter of their own, ahead of the
     * others; answers are written as before, and the application's own mapper is left as it is.
     */
    @Bean
    WebMvcConfigurer strictJsonBodies(JsonMapper json) {
        StrictJson.Reader reader = new StrictJson.Reader(StrictJson.strict(json));
        return new WebMvcConfigurer() {
            @Override
            public void configureMessageConverters(HttpMessageConverters.ServerBuilder builder) {
                builder.addCustomConverter(reader);
            }
        };
    }

    @Bean
    ProblemWriter problemWriter(JsonMapper json) {
        return new ProblemWriter(json);
    }

    /** First of all filters: nothing, authentication included, reads a body before its size is known to be acceptable. */
    @Bean
    FilterRegistrationBean<RequestBodyLimit> requestBodyLimit(RestEdgeProperties properties, ProblemWriter problems) {
        FilterRegistrationBean<RequestBodyLimit> registration =
                new FilterRegistrationBean<>(new RequestBodyLimit(properties.maxBodySize(), problems));
        registration.setOrder(Ordered.HIGHEST_PRECEDENCE + 10);
        return registration;
    }

    @Bean
    WebMvcConfigurer knownQueryParameters() {
        return new WebMvcConfigurer() {
            @Override
            public void addInterceptors(InterceptorRegistry registry) {
                // After the services' own interceptors: an unauthenticated caller learns nothing of the parameters.
                registry.addInterceptor(new KnownQueryParameters()).addPathPatterns(API_PATHS)
                        .order(Ordered.LOWEST_PRECEDENCE);
            }
        };
    }

    @Bean
    ProblemErrorController problemErrorController() {
        return new ProblemErrorController();
    }

    /** In a service that serves an OpenAPI description: the security, problems and refusals every API shares. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = "org.springdoc.core.customizers.OpenApiCustomizer")
    static class Description {

        @Bean
        ApiDescription apiDescription() {
            return new ApiDescription();
        }
    }
}
