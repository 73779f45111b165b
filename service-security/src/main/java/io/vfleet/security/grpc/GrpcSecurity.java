package io.vfleet.security.grpc;

import io.vfleet.security.BearerAuthenticator;
import io.vfleet.security.ServiceSecurityAutoConfiguration;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.context.annotation.Bean;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.grpc.server.GlobalServerInterceptor;

/** Every gRPC server of the application behind one {@link CallerInterceptor}, when it declares its {@link GrpcAccess}. */
@AutoConfiguration(after = ServiceSecurityAutoConfiguration.class)
@ConditionalOnBean(GrpcAccess.class)
public class GrpcSecurity {

    /** First of the server's interceptors: nothing else sees a call that was not authorized. */
    @Bean
    @GlobalServerInterceptor
    @Order(Ordered.HIGHEST_PRECEDENCE)
    CallerInterceptor callerInterceptor(BearerAuthenticator authenticator, GrpcAccess access) {
        return new CallerInterceptor(authenticator, access);
    }
}
