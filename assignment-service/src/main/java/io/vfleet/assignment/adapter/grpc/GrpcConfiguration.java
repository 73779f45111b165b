package io.vfleet.assignment.adapter.grpc;

import io.grpc.health.v1.HealthGrpc;
import io.grpc.reflection.v1.ServerReflectionGrpc;
import io.vfleet.api.assignment.v1.AssignmentsGrpc;
import io.vfleet.security.Role;
import io.vfleet.security.grpc.GrpcAccess;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Who may call which method of {@code vfleet.assignment.v1}: the same roles as the REST API's same
 * operations, from the same access tokens. Health is open for probes.
 */
@Configuration(proxyBeanMethods = false)
class GrpcConfiguration {

    @Bean
    GrpcAccess grpcAccess() {
        Role[] readers = {Role.ORCHESTRATOR, Role.OPERATOR, Role.AUDITOR};
        Role[] actors = {Role.ORCHESTRATOR, Role.OPERATOR};
        return new GrpcAccess()
                .openService(HealthGrpc.SERVICE_NAME)
                .allow(AssignmentsGrpc.getAssignMethod().getFullMethodName(), actors)
                .allow(AssignmentsGrpc.getGetAssignmentMethod().getFullMethodName(), readers)
                .allow(AssignmentsGrpc.getListAssignmentsMethod().getFullMethodName(), readers)
                .allow(AssignmentsGrpc.getReleaseMethod().getFullMethodName(), actors)
                .allow(AssignmentsGrpc.getResetMethod().getFullMethodName(), actors)
                .allow(AssignmentsGrpc.getSetTenantPolicyMethod().getFullMethodName(), Role.OPERATOR)
                .allow(AssignmentsGrpc.getGetTenantMethod().getFullMethodName(), readers)
                .allow(AssignmentsGrpc.getListAuditEventsMethod().getFullMethodName(), Role.OPERATOR, Role.AUDITOR)
                .allow(AssignmentsGrpc.getGetDeviceOwnersMethod().getFullMethodName(), Role.OPERATOR, Role.AUDITOR)
                .allow(AssignmentsGrpc.getVerifyAuditMethod().getFullMethodName(), Role.OPERATOR, Role.AUDITOR)
                .allow(AssignmentsGrpc.getGetCheckpointMethod().getFullMethodName(), Role.OPERATOR, Role.AUDITOR)
                .allow(AssignmentsGrpc.getSignCheckpointMethod().getFullMethodName(), Role.OPERATOR, Role.AUDITOR)
                .allow(AssignmentsGrpc.getGetInclusionProofMethod().getFullMethodName(), Role.OPERATOR, Role.AUDITOR)
                .allow(AssignmentsGrpc.getGetConsistencyProofMethod().getFullMethodName(), Role.OPERATOR, Role.AUDITOR)
                .allow(ServerReflectionGrpc.getServerReflectionInfoMethod().getFullMethodName(), Role.OPERATOR, Role.AUDITOR);
    }
}
