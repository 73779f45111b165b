package io.vfleet.inventory.application;

import static io.vfleet.inventory.support.Registrations.agentOf;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vfleet.security.AccessDenied;
import io.vfleet.inventory.domain.AgentInfo;
import io.vfleet.inventory.domain.Change;
import io.vfleet.inventory.domain.ChangeType;
import io.vfleet.inventory.domain.DeviceState;
import io.vfleet.inventory.domain.NodeDevice;
import io.vfleet.inventory.domain.NodeRegistration;
import io.vfleet.inventory.domain.RegistrationRefused;
import io.vfleet.inventory.domain.Revision;
import io.vfleet.inventory.support.InventoryTest;
import io.vfleet.inventory.support.Registrations;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.springframework.beans.factory.annotation.Autowired;

class RegisterNodeTest extends InventoryTest {
    @Autowired
    RegisterNode registerNode;
    @Autowired
    Nodes nodes;
    @Autowired
    ChangeLog changeLog;

    @Test
    void registrationStoresTheNodeItsDevicesGroupsAndResetSets(TestInfo test) {
        String name = nodeName(test);
        NodeRegistration registration = Registrations.gpuServer(name, 4).build();

        RegisterNode.Receipt receipt = registerNode.register(agentOf(name), registration);

        assertThat(receipt.changes()).isEqualTo(5);
        var node = nodes.find(name).orElseThrow();
        assertThat(node.revision()).isEqualTo(receipt.revision());
        assertThat(node.iommuGroups()).isEqualTo(registration.topology().iommuGroups());
        assertThat(node.resetSets()).isEqualTo(registration.topology().resetSets());
        assertThat(node.lastHeartbeat()).isEqualTo(clock.instant());
        assertThat(nodes.devicesOf(name)).extracting(NodeDevice::device).isEqualTo(registration.topology().devices());
        assertThat(changeLog.after(new Revision(receipt.revision().value() - 1), 1))
                .extracting(Change::type).containsExactly(ChangeType.ADDED, ChangeType.ADDED, ChangeType.ADDED,
                        ChangeType.ADDED, ChangeType.ADDED);
    }

    @Test
    void registeringTheSameTopologyAgainIsANoOpAtTheSameRevision(TestInfo test) {
        String name = nodeName(test);
        RegisterNode.Receipt first = registerNode.register(agentOf(name), Registrations.gpuServer(name, 2).build());
        Revision before = changeLog.current();

        RegisterNode.Receipt again = registerNode.register(agentOf(name), Registrations.gpuServer(name, 2).build());

        assertThat(again.changed()).isFalse();
        assertThat(again.revision()).isEqualTo(first.revision());
        assertThat(changeLog.current()).isEqualTo(before);
    }

    @Test
    void changedTopologyIsANewRevisionWithChangesAndTheMissingDeviceMarkedRemoved(TestInfo test) {
        String name = nodeName(test);
        RegisterNode.Receipt first = registerNode.register(agentOf(name), Registrations.gpuServer(name, 3).build());
        NodeRegistration changed = Registrations.gpuServer(name, 3).without(Registrations.gpuBdf(2))
                .agent(new AgentInfo(name + ":9443", "0.2.0")).build();

        RegisterNode.Receipt second = registerNode.register(agentOf(name), changed);

        assertThat(second.revision()).isGreaterThan(first.revision());
        List<Change> changes = changeLog.after(new Revision(second.revision().value() - 1), 1);
        assertThat(changes).extracting(Change::type).containsExactly(ChangeType.MODIFIED, ChangeType.REMOVED);
        assertThat(((Change.NodeChanged) changes.get(0)).state().agent().version()).isEqualTo("0.2.0");
        NodeDevice removed = nodes.devicesOf(name).stream().filter(device -> device.bdf().equals(Registrations.gpuBdf(2)))
                .findFirst().orElseThrow();
        assertThat(removed.state()).isEqualTo(DeviceState.REMOVED);
        assertThat(removed.revision()).isEqualTo(second.revision());
        assertThat(nodes.devicesOf(name)).hasSize(3);
    }

    @Test
    void badRegistrationsAreRefusedWholeWithNothingStored(TestInfo test) {
        String name = nodeName(test);
        List<NodeRegistration> bad = List.of(
                Registrations.gpuServer(name, 2).resetSet("bus:switch-0", "0000:99:00.0").build(),
                Registrations.gpuServer(name, 2).device(Registrations.gpuServer(name, 1).build().topology().devices().getFirst(), null).build(),
                Registrations.gpuServer(name, 65).build());
        Revision before = changeLog.current();

        for (NodeRegistration registration : bad) {
            assertThatThrownBy(() -> registerNode.register(agentOf(name), registration)).isInstanceOf(RegistrationRefused.class);
        }

        assertThat(nodes.find(name)).isEmpty();
        assertThat(nodes.devicesOf(name)).isEmpty();
        assertThat(changeLog.current()).isEqualTo(before);
    }

    @Test
    void refusedReRegistrationLeavesTheNodeAsItWas(TestInfo test) {
        String name = nodeName(test);
        registerNode.register(agentOf(name), Registrations.gpuServer(name, 2).build());
        var stored = nodes.find(name).orElseThrow();

        assertThatThrownBy(() -> registerNode.register(agentOf(name),
                Registrations.gpuServer(name, 1).resetSet("bus:switch-9", "0000:99:00.0").build()))
                .isInstanceOf(RegistrationRefused.class)
                .hasMessageContaining("reset set bus:switch-9 names unknown device 0000:99:00.0");

        assertThat(nodes.find(name)).contains(stored);
        assertThat(nodes.devicesOf(name)).allMatch(device -> device.state() == DeviceState.PRESENT).hasSize(2);
    }

    @Test
    void agentMayNotRegisterAnotherNode(TestInfo test) {
        String name = nodeName(test);

        assertThatThrownBy(() -> registerNode.register(agentOf("someone-else"), Registrations.gpuServer(name, 1).build()))
                .isInstanceOf(AccessDenied.class)
                .hasMessage("caller node/someone-else is the agent of node 'someone-else' and may not act for node '" + name + "'");
        assertThat(nodes.find(name)).isEmpty();
    }

    @Test
    void onlyAgentsRegister(TestInfo test) {
        String name = nodeName(test);

        assertThatThrownBy(() -> registerNode.register(Registrations.operator(), Registrations.gpuServer(name, 1).build()))
                .isInstanceOf(AccessDenied.class);
        assertThat(nodes.find(name)).isEmpty();
    }

    @Test
    void fiftyNodesRegisteringAtOnceGetDistinctRevisionsAndAllTheirDevices(TestInfo test) throws Exception {
        String prefix = nodeName(test);
        Revision before = changeLog.current();
        List<Callable<RegisterNode.Receipt>> registrations = new ArrayList<>();
        for (int index = 0; index < 50; index++) {
            String name = prefix + "-" + index;
            registrations.add(() -> registerNode.register(agentOf(name), Registrations.gpuServer(name, 8).build()));
            // Each node twice, so that first registrations of one node also race each other.
            registrations.add(() -> registerNode.register(agentOf(name), Registrations.gpuServer(name, 8).build()));
        }

        List<RegisterNode.Receipt> receipts = new ArrayList<>();
        try (ExecutorService threads = Executors.newFixedThreadPool(50)) {
            for (Future<RegisterNode.Receipt> receipt : threads.invokeAll(registrations)) {
                receipts.add(receipt.get());
            }
        }

        assertThat(receipts.stream().filter(RegisterNode.Receipt::changed).map(RegisterNode.Receipt::revision))
                .hasSize(50).doesNotHaveDuplicates();
        assertThat(changeLog.current().value()).isEqualTo(before.value() + 50);
        for (int index = 0; index < 50; index++) {
            assertThat(nodes.devicesOf(prefix + "-" + index)).hasSize(8);
        }
        assertThat(changeLog.after(before, 50)).hasSize(50 * 9);
    }
}
