package io.vfleet.assignment.adapter.grpc;

import io.vfleet.assignment.adapter.persistence.AuditSequencer;
import org.springframework.jdbc.core.simple.JdbcClient;

/** A deliberate violation for DependencyWhitelistTest: the gRPC edge reaching past the use cases into persistence. */
public final class GrpcReachingIntoPersistence {
    private GrpcReachingIntoPersistence() {}

    static String names() {
        return AuditSequencer.class.getName() + JdbcClient.class.getName();
    }
}
