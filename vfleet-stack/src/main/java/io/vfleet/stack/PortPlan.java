package io.vfleet.stack;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;

/**
 * The ports of every process of the stack. From a base port {@code B}: the assignment service on
 * {@code B} (HTTP) and {@code B+1} (gRPC), the inventory on {@code B+2} and {@code B+3}, agent
 * {@code i} on {@code B+10+i} (gRPC) and {@code B+30+i} (HTTP: health and metrics), the embedded
 * PostgreSQL on {@code B+20}. Base 0 takes free ports chosen by the kernel, for tests that run beside
 * other stacks.
 */
public record PortPlan(int assignmentHttp, int assignmentGrpc, int inventoryHttp, int inventoryGrpc,
        List<Integer> agents, List<Integer> agentsHttp, int database) {

    public static final int DEFAULT_BASE = 8080;
    private static final int MAX_AGENTS = 10;

    public PortPlan {
        agents = List.copyOf(agents);
        agentsHttp = List.copyOf(agentsHttp);
        if (agents.size() != agentsHttp.size()) {
            throw new AssertionError("every agent has a gRPC and an HTTP port: " + agents + " " + agentsHttp);
        }
    }

    public static PortPlan from(int base, int agentCount) {
        if (agentCount > MAX_AGENTS) {
            throw new StackException("at most " + MAX_AGENTS + " agents fit a port plan, not " + agentCount);
        }
        if (base == 0) {
            return free(agentCount);
        }
        if (base < 1024 || base + 39 > 65535) {
            throw new StackException("--port-base must leave room for 40 ports between 1024 and 65535, not " + base);
        }
        List<Integer> agents = new ArrayList<>();
        List<Integer> agentsHttp = new ArrayList<>();
        for (int index = 0; index < agentCount; index++) {
            agents.add(base + 10 + index);
            agentsHttp.add(base + 30 + index);
        }
        return new PortPlan(base, base + 1, base + 2, base + 3, agents, agentsHttp, base + 20);
    }

    /** Fails, naming the port and its use, if any port of the plan is taken on the loopback address. */
    public void requireFree(boolean embeddedDatabase) {
        requireFree(assignmentHttp, "assignment-service HTTP");
        requireFree(assignmentGrpc, "assignment-service gRPC");
        requireFree(inventoryHttp, "inventory-service HTTP");
        requireFree(inventoryGrpc, "inventory-service gRPC");
        for (int index = 0; index < agents.size(); index++) {
            requireFree(agents.get(index), "agent " + (index + 1) + " gRPC");
            requireFree(agentsHttp.get(index), "agent " + (index + 1) + " HTTP");
        }
        if (embeddedDatabase) {
            requireFree(database, "embedded PostgreSQL");
        }
    }

    private static void requireFree(int port, String use) {
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
        } catch (IOException e) {
            throw new StackException("port " + port + " (" + use + ") is in use; choose another --port-base, or 0 for free ports");
        }
    }

    private static PortPlan free(int agentCount) {
        // All sockets stay open until every port is chosen, so that no port is handed out twice.
        List<ServerSocket> sockets = new ArrayList<>();
        try {
            for (int index = 0; index < 5 + 2 * agentCount; index++) {
                ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
                sockets.add(socket);
            }
            List<Integer> ports = sockets.stream().map(ServerSocket::getLocalPort).toList();
            return new PortPlan(ports.get(0), ports.get(1), ports.get(2), ports.get(3), ports.subList(5, 5 + agentCount),
                    ports.subList(5 + agentCount, ports.size()), ports.get(4));
        } catch (IOException e) {
            throw new StackException("cannot find free ports on the loopback address", e);
        } finally {
            for (ServerSocket socket : sockets) {
                try {
                    socket.close();
                } catch (IOException ignored) {
                    // Closing a listening socket that accepted nothing cannot lose anything.
                }
            }
        }
    }
}
