package io.vfleet.stack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import org.junit.jupiter.api.Test;

class PortPlanTest {

    @Test
    void aBasePortLaysOutEveryProcessAtItsDocumentedOffset() {
        PortPlan plan = PortPlan.from(8080, 3);

        assertThat(plan).isEqualTo(new PortPlan(8080, 8081, 8082, 8083, List.of(8090, 8091, 8092),
                List.of(8110, 8111, 8112), 8100));
    }

    @Test
    void baseZeroHandsOutDistinctPortsForEveryProcess() {
        PortPlan plan = PortPlan.from(0, 3);

        List<Integer> all = new ArrayList<>(List.of(plan.assignmentHttp(), plan.assignmentGrpc(), plan.inventoryHttp(),
                plan.inventoryGrpc(), plan.database()));
        all.addAll(plan.agents());
        all.addAll(plan.agentsHttp());
        assertThat(new HashSet<>(all)).hasSize(11).allSatisfy(port -> assertThat(port).isPositive());
    }

    @Test
    void aTakenPortIsNamedWithItsUse() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            // The ports checked before it are free ones, as the plan itself chooses them: the ports next to
            // the taken one may belong to anything else on the machine.
            PortPlan free = PortPlan.from(0, 0);
            PortPlan plan = new PortPlan(free.assignmentHttp(), free.assignmentGrpc(), taken.getLocalPort(), free.inventoryGrpc(),
                    List.of(), List.of(), free.database());

            assertThatThrownBy(() -> plan.requireFree(false))
                    .isInstanceOf(StackException.class)
                    .hasMessageContaining("port " + taken.getLocalPort() + " (inventory-service HTTP) is in use");
        }
    }

    @Test
    void aBaseTooCloseToTheTopOfThePortRangeIsRefused() {
        assertThatThrownBy(() -> PortPlan.from(65530, 3)).isInstanceOf(StackException.class)
                .hasMessageContaining("--port-base");
    }
}
