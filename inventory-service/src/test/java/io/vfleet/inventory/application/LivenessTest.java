package io.vfleet.inventory.application;

import static io.vfleet.inventory.support.Registrations.agentOf;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vfleet.security.AccessDenied;
import io.vfleet.inventory.domain.Change;
import io.vfleet.inventory.domain.DeviceState;
import io.vfleet.inventory.domain.NodeState;
import io.vfleet.inventory.domain.Revision;
import io.vfleet.inventory.domain.UnknownNode;
import io.vfleet.inventory.support.InventoryTest;
import io.vfleet.inventory.support.Registrations;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.springframework.beans.factory.annotation.Autowired;

class LivenessTest extends InventoryTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    @Autowired
    RegisterNode registerNode;
    @Autowired
    RecordHeartbeat recordHeartbeat;
    @Autowired
    MarkUnreachableNodes markUnreachableNodes;
    @Autowired
    Nodes nodes;
    @Autowired
    ChangeLog changeLog;

    @Test
    void nodeHeartbeatingWithinTheTimeoutStaysReady(TestInfo test) {
        String name = nodeName(test);
        registerNode.register(agentOf(name), Registrations.gpuServer(name, 1).build());
        clock.advance(TIMEOUT.minusSeconds(5));
        recordHeartbeat.heartbeat(agentOf(name), name);
        clock.advance(TIMEOUT.minusSeconds(5));

        assertThat(markUnreachableNodes.markUnreachable()).doesNotContain(name);
        assertThat(nodes.find(name).orElseThrow().state()).isEqualTo(NodeState.READY);
    }

    @Test
    void missedHeartbeatsMakeANodeUnreachableKeepingItsDevicesAndAHeartbeatBringsItBack(TestInfo test) {
        String name = nodeName(test);
        registerNode.register(agentOf(name), Registrations.gpuServer(name, 2).build());
        clock.advance(TIMEOUT.plusSeconds(1));

        assertThat(markUnreachableNodes.markUnreachable()).contains(name);
        var unreachable = nodes.find(name).orElseThrow();
        assertThat(unreachable.state()).isEqualTo(NodeState.UNREACHABLE);
        assertThat(nodes.devicesOf(name)).hasSize(2).allMatch(device -> device.state() == DeviceState.PRESENT);
        assertThat(nodeChangesAt(unreachable.revision())).anySatisfy(change -> {
            assertThat(change.node()).isEqualTo(name);
            assertThat(((Change.NodeChanged) change).state().state()).isEqualTo(NodeState.UNREACHABLE);
        });

        RecordHeartbeat.Receipt receipt = recordHeartbeat.heartbeat(agentOf(name), name);

        assertThat(receipt.revived()).isTrue();
        var back = nodes.find(name).orElseThrow();
        assertThat(back.state()).isEqualTo(NodeState.READY);
        assertThat(back.revision()).isGreaterThan(unreachable.revision());
        assertThat(nodeChangesAt(back.revision())).singleElement()
                .satisfies(change -> assertThat(((Change.NodeChanged) change).state().state()).isEqualTo(NodeState.READY));
    }

    @Test
    void markingTwiceMarksOnce(TestInfo test) {
        String name = nodeName(test);
        registerNode.register(agentOf(name), Registrations.gpuServer(name, 1).build());
        clock.advance(TIMEOUT.plusSeconds(1));
        markUnreachableNodes.markUnreachable();
        Revision after = changeLog.current();

        assertThat(markUnreachableNodes.markUnreachable()).doesNotContain(name);
        assertThat(changeLog.current()).isEqualTo(after);
    }

    @Test
    void reRegistrationOfAnUnreachableNodeMakesItReady(TestInfo test) {
        String name = nodeName(test);
        registerNode.register(agentOf(name), Registrations.gpuServer(name, 1).build());
        clock.advance(TIMEOUT.plusSeconds(1));
        markUnreachableNodes.markUnreachable();

        RegisterNode.Receipt receipt = registerNode.register(agentOf(name), Registrations.gpuServer(name, 1).build());

        assertThat(receipt.changed()).isTrue();
        assertThat(nodes.find(name).orElseThrow().state()).isEqualTo(NodeState.READY);
    }

    @Test
    void heartbeatOfAnUnknownNodeIsRefused(TestInfo test) {
        String name = nodeName(test);

        assertThatThrownBy(() -> recordHeartbeat.heartbeat(agentOf(name), name)).isInstanceOf(UnknownNode.class);
    }

    @Test
    void agentMayNotHeartbeatAnotherNode(TestInfo test) {
        String name = nodeName(test);
        registerNode.register(agentOf(name), Registrations.gpuServer(name, 1).build());

        assertThatThrownBy(() -> recordHeartbeat.heartbeat(agentOf("other"), name)).isInstanceOf(AccessDenied.class);
    }

    private java.util.List<Change> nodeChangesAt(Revision revision) {
        return changeLog.after(new Revision(revision.value() - 1), 1);
    }
}
