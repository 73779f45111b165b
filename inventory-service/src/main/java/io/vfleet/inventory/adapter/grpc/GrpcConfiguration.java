package io.vfleet.inventory.adapter.grpc;

import io.grpc.health.v1.HealthGrpc;
import io.grpc.reflection.v1.ServerReflectionGrpc;
import io.vfleet.api.inventory.v1.InventoryGrpc;
import io.vfleet.security.Role;
import io.vfleet.security.grpc.GrpcAccess;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Who may call which gRPC method: a node's registration and heartbeats come from its agent's
 * certificate (and the service checks that it names that node); the inventory's watch is for the
 * assignment service, schedulers and operators; health is open for probes.
 */
@Configuration(proxyBeanMethods = false)
class GrpcConfiguration {

    @Bean
    GrpcAccess grpcAccess() {
        return new GrpcAccess()
                .openService(HealthGrpc.SERVICE_NAME)
                .allow(InventoryGrpc.getRegisterMethod().getFullMethodName(), Role.AGENT)
                .allow(InventoryGrpc.getHeartbeatMethod().getFullMethodName(), Role.AGENT)
                .allow(InventoryGrpc.getListAndWatchMethod().getFullMethodName(), Role.CONTROLLER, Role.ORCHESTRATOR, Role.OPERATOR)
                .allow(ServerReflectionGrpc.getServerReflectionInfoMethod().getFullMethodName(), Role.OPERATOR, Role.AUDITOR);
    }
}
