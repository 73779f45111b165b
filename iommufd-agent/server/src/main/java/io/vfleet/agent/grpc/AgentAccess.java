package io.vfleet.agent.grpc;

import io.grpc.health.v1.HealthGrpc;
import io.grpc.reflection.v1.ServerReflectionGrpc;
import io.vfleet.api.agent.v1.NodeAgentGrpc;
import io.vfleet.api.agent.v1.SyscallsGrpc;
import io.vfleet.security.Role;
import io.vfleet.security.grpc.GrpcAccess;

/**
 * Who may call what on an agent's gRPC port, whichever entry point serves it: NodeAgent is the
 * controller's alone (its certificate, or the local stack's controller token); Syscalls are authorized
 * by {@link SyscallsAccess}, which knows the assignments' credentials and lets operators reach every
 * process, as root on the host does; health is open for probes and
 * reflection is for operators and auditors.
 */
public final class AgentAccess {

    private AgentAccess() {
    }

    public static GrpcAccess table() {
        GrpcAccess access = new GrpcAccess().openService(HealthGrpc.SERVICE_NAME)
                .allow(ServerReflectionGrpc.getServerReflectionInfoMethod().getFullMethodName(), Role.OPERATOR, Role.AUDITOR);
        for (var method : NodeAgentGrpc.getServiceDescriptor().getMethods()) {
            access.allow(method.getFullMethodName(), Role.CONTROLLER);
        }
        for (var method : SyscallsGrpc.getServiceDescriptor().getMethods()) {
            access.byService(method.getFullMethodName(), Role.OPERATOR);
        }
        return access;
    }
}
