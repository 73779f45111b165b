package io.vfleet.stack;

import java.util.Map;
import java.util.function.Consumer;
import tools.jackson.databind.JsonNode;

/**
 * {@code ./vfleet up --self-test}: one assignment end to end through the assignment service's REST
 * API, on a stack that was just started, as a tenant's orchestrator and an auditor would make and
 * check it: assign one device (placed by the service), read it back, release it, ask who owns the
 * device now, and verify the audit chain. Each step is said on the console; the first that does not
 * answer as documented fails the test, naming the call and the answer.
 */
public final class SelfTest {
    private final Stack stack;
    private final StackApi api;
    private final Consumer<String> console;

    public SelfTest(Stack stack, Consumer<String> console) {
        this.stack = stack;
        this.api = new StackApi(stack.assignmentUrl());
        this.console = console;
    }

    /** True when every step answered as documented. */
    public boolean run() {
        try {
            check();
            console.accept("self-test passed");
            return true;
        } catch (StackException e) {
            console.accept("self-test FAILED: " + e.getMessage());
            return false;
        }
    }

    private void check() {
        Map.Entry<String, String> tenant = stack.tokens().tenants().entrySet().stream().findFirst()
                .orElse(Map.entry("self-test", stack.tokens().orchestrator()));
        String token = tenant.getValue();
        String auditor = stack.tokens().auditor();

        String assign = "/api/v1/assignments";
        StackApi.Response created = api.post(token, assign, "{\"tenant\":\"" + tenant.getKey() + "\",\"selector\":{\"count\":1}}");
        expect("POST " + assign, created, 201, "state", "ACTIVE");
        String id = created.body().path("id").asString();
        JsonNode device = created.body().path("devices").path(0);
        String bdf = device.path("bdf").asString();
        String node = created.body().path("node").asString();
        console.accept("self-test: POST " + assign + " as " + tenant.getKey() + "'s orchestrator: 201, assignment " + id
                + " ACTIVE with " + bdf + " on " + node);

        String one = assign + "/" + id;
        StackApi.Response read = api.get(token, one);
        expect("GET " + one, read, 200, "state", "ACTIVE");
        if (!read.body().path("devices").path(0).path("bdf").asString().equals(bdf)) {
            throw new StackException("GET " + one + " names other devices than the assignment: " + read.text());
        }
        console.accept("self-test: GET " + one + ": 200, ACTIVE with " + bdf);

        StackApi.Response released = api.delete(token, one);
        expect("DELETE " + one, released, 200, "state", "RELEASED");
        console.accept("self-test: DELETE " + one + ": 200, RELEASED");

        String owner = "/api/v1/audit/owner?device=" + bdf + "&node=" + node;
        StackApi.Response owners = api.get(auditor, owner);
        expect("GET " + owner, owners, 200, null, null);
        if (!owners.body().path("owners").isEmpty()) {
            throw new StackException("GET " + owner + " still names an owner after the release: " + owners.text());
        }
        console.accept("self-test: GET " + owner + " as the auditor: 200, no owner");

        String verify = "/api/v1/audit/verify";
        StackApi.Response verification = api.get(auditor, verify);
        expect("GET " + verify, verification, 200, "intact", "true");
        console.accept("self-test: GET " + verify + " as the auditor: 200, the audit log verifies ("
                + verification.body().path("checked").asLong() + " events)");
    }

    /** The status, and the field's value when one is named. */
    private static void expect(String call, StackApi.Response response, int status, String field, String value) {
        if (response.status() != status || (field != null && !response.body().path(field).asString().equals(value))) {
            throw new StackException(call + " answered " + response.status() + " " + response.text() + "; expected " + status
                    + (field == null ? "" : " with " + field + " " + value));
        }
    }
}
