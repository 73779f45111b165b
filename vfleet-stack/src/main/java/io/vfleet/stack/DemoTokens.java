package io.vfleet.stack;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The local stack's static bearer tokens (the applications accept them only in the profile
 * {@code local}), made afresh at every start: one per role a person uses ({@code orchestrator} for
 * every tenant, {@code operator}, {@code auditor}), one per agent for the node it may register, and
 * the controller's, with which the assignment service drives the agents' NodeAgent and follows the
 * inventory. An operator's token also reaches every agent's system calls. They live only in the
 * processes' environment and in the stack's state directory.
 */
public record DemoTokens(String orchestrator, String operator, String auditor, Map<String, String> agents, String controller) {

    /** One accepted token, as the services' {@code vfleet.security.tokens[n]} describe it. */
    public record Grant(String token, String role, String node) {}

    private static final SecureRandom RANDOM = new SecureRandom();

    public DemoTokens {
        agents = Map.copyOf(agents);
    }

    public static DemoTokens generate(List<String> nodes) {
        Map<String, String> agents = new LinkedHashMap<>();
        nodes.forEach(node -> agents.put(node, token("agent")));
        return new DemoTokens(token("orchestrator"), token("operator"), token("auditor"), agents, token("controller"));
    }

    /** What the assignment service accepts: the people's roles. */
    public List<Grant> assignmentGrants() {
        return List.of(new Grant(orchestrator, "orchestrator", null), new Grant(operator, "operator", null),
                new Grant(auditor, "auditor", null));
    }

    /** What the inventory accepts: the people's roles, each agent for its node, and the controller's watch. */
    public List<Grant> inventoryGrants() {
        List<Grant> grants = new ArrayList<>(assignmentGrants());
        agents.forEach((node, token) -> grants.add(new Grant(token, "agent", node)));
        grants.add(new Grant(controller, "controller", null));
        return List.copyOf(grants);
    }

    /** What every agent accepts: the controller on NodeAgent, an operator on every process's system calls. */
    public List<Grant> agentGrants() {
        return List.of(new Grant(controller, "controller", null), new Grant(operator, "operator", null));
    }

    /**
     * Adds {@code vfleet.security.tokens[n].*} for each grant to the properties, every field a secret:
     * Spring binds a list from one property source only, so the fields of one entry cannot be split
     * between the command line and the environment.
     */
    static void addTo(ApplicationProperties properties, List<Grant> grants) {
        for (int index = 0; index < grants.size(); index++) {
            Grant grant = grants.get(index);
            String prefix = "vfleet.security.tokens[" + index + "].";
            properties.secret(prefix + "token", grant.token());
            properties.secret(prefix + "role", grant.role());
            if (grant.node() != null) {
                properties.secret(prefix + "node", grant.node());
            }
        }
    }

    private static String token(String role) {
        byte[] random = new byte[20];
        RANDOM.nextBytes(random);
        return "vf-" + role + "-" + HexFormat.of().formatHex(random);
    }

    @Override
    public String toString() {
        return "DemoTokens[" + agents.size() + " agents, values hidden]";
    }
}
