package io.vfleet.inventory.application;

import static io.vfleet.inventory.support.Registrations.agentOf;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vfleet.security.AccessDenied;
import io.vfleet.security.Caller;
import io.vfleet.inventory.domain.Change;
import io.vfleet.inventory.domain.ChangeType;
import io.vfleet.inventory.domain.InventorySnapshot;
import io.vfleet.inventory.domain.NodeDevice;
import io.vfleet.inventory.domain.RelistRequired;
import io.vfleet.inventory.domain.Revision;
import io.vfleet.security.Role;
import io.vfleet.inventory.support.InventoryTest;
import io.vfleet.inventory.support.Registrations;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.springframework.beans.factory.annotation.Autowired;

class ListAndWatchTest extends InventoryTest {
    private static final Caller ORCHESTRATOR = Caller.of("test-orchestrator", Role.ORCHESTRATOR, "acme");

    @Autowired
    ListAndWatch listAndWatch;
    @Autowired
    RegisterNode registerNode;
    @Autowired
    TrimChangeLog trimChangeLog;
    @Autowired
    ChangeLog changeLog;

    @Test
    void listHoldsEveryNodeAndDeviceAtItsRevision(TestInfo test) {
        String name = nodeName(test);
        RegisterNode.Receipt receipt = registerNode.register(agentOf(name), Registrations.gpuServer(name, 3).build());

        InventorySnapshot snapshot = listAndWatch.list(ORCHESTRATOR);

        assertThat(snapshot.revision()).isGreaterThanOrEqualTo(receipt.revision());
        assertThat(snapshot.nodes()).anySatisfy(node -> assertThat(node.name()).isEqualTo(name));
        assertThat(snapshot.devices().stream().filter(device -> device.node().equals(name))).hasSize(3);
        assertThat(snapshot.nodes()).allMatch(node -> !snapshot.revision().isBefore(node.revision()));
    }

    @Test
    void watchFromAListSeesEveryLaterChangeInOrder(TestInfo test) throws Exception {
        String name = nodeName(test);
        InventorySnapshot snapshot = listAndWatch.list(ORCHESTRATOR);

        try (ListAndWatch.Watch watch = listAndWatch.watch(ORCHESTRATOR, snapshot.revision())) {
            registerNode.register(agentOf(name), Registrations.gpuServer(name, 2).build());
            registerNode.register(agentOf(name), Registrations.gpuServer(name, 2).without(Registrations.gpuBdf(1)).build());

            List<Change> changes = watch.next(Duration.ofSeconds(5));

            assertThat(changes).extracting(Change::type).containsExactly(ChangeType.ADDED, ChangeType.ADDED, ChangeType.ADDED,
                    ChangeType.MODIFIED, ChangeType.REMOVED);
            assertThat(changes).extracting(Change::revision).isSorted();
            assertThat(watch.position()).isEqualTo(changes.getLast().revision());
        }
    }

    @Test
    void waitingWatcherWakesWhenAChangeCommits(TestInfo test) throws Exception {
        String name = nodeName(test);
        try (ListAndWatch.Watch watch = listAndWatch.watch(ORCHESTRATOR, changeLog.current())) {
            CompletableFuture<List<Change>> next = CompletableFuture.supplyAsync(() -> {
                try {
                    return watch.next(Duration.ofSeconds(30));
                } catch (InterruptedException interrupted) {
                    throw new IllegalStateException(interrupted);
                }
            });
            registerNode.register(agentOf(name), Registrations.gpuServer(name, 1).build());

            assertThat(next.get(10, TimeUnit.SECONDS)).extracting(Change::node).containsOnly(name);
        }
    }

    @Test
    void watcherResumesFromTheRevisionItLastApplied(TestInfo test) throws Exception {
        String name = nodeName(test);
        RegisterNode.Receipt first = registerNode.register(agentOf(name), Registrations.gpuServer(name, 1).build());
        RegisterNode.Receipt second = registerNode.register(agentOf(name), Registrations.gpuServer(name, 2).build());

        List<Change> resumed;
        try (ListAndWatch.Watch watch = listAndWatch.watch(ORCHESTRATOR, first.revision())) {
            resumed = watch.next(Duration.ZERO);
        }

        assertThat(resumed).isNotEmpty().allMatch(change -> first.revision().isBefore(change.revision()));
        assertThat(resumed).filteredOn(change -> change.node().equals(name))
                .allMatch(change -> change.revision().equals(second.revision()))
                .filteredOn(change -> change instanceof Change.DeviceChanged).singleElement()
                .satisfies(change -> assertThat(((Change.DeviceChanged) change).state().bdf()).isEqualTo(Registrations.gpuBdf(1)));
    }

    @Test
    void changesCarryTheWholeNewStateThroughTheLog(TestInfo test) throws Exception {
        String name = nodeName(test);
        Revision start = changeLog.current();
        var registration = Registrations.gpuServer(name, 2).build();
        registerNode.register(agentOf(name), registration);

        List<Change> changes;
        try (ListAndWatch.Watch watch = listAndWatch.watch(ORCHESTRATOR, start)) {
            changes = watch.next(Duration.ZERO);
        }

        Change.NodeChanged node = (Change.NodeChanged) changes.stream().filter(change -> change.node().equals(name)).findFirst().orElseThrow();
        assertThat(node.state().iommuGroups()).isEqualTo(registration.topology().iommuGroups());
        assertThat(node.state().resetSets()).isEqualTo(registration.topology().resetSets());
        assertThat(changes).filteredOn(change -> change instanceof Change.DeviceChanged && change.node().equals(name))
                .extracting(change -> ((Change.DeviceChanged) change).state()).extracting(NodeDevice::device)
                .isEqualTo(registration.topology().devices());
    }

    @Test
    void revisionOlderThanTheRetainedLogMustRelist(TestInfo test) {
        String name = nodeName(test);
        Revision old = changeLog.current();
        registerNode.register(agentOf(name), Registrations.gpuServer(name, 1).build());
        clock.advance(Duration.ofHours(2));
        registerNode.register(agentOf(name), Registrations.gpuServer(name, 2).build());

        assertThat(trimChangeLog.trim()).isPositive();

        assertThatThrownBy(() -> listAndWatch.watch(ORCHESTRATOR, old))
                .isInstanceOf(RelistRequired.class)
                .hasMessageContaining("changes after revision " + old + " are no longer kept");
        Revision oldest = changeLog.oldestResumable();
        assertThat(listAndWatch.watch(ORCHESTRATOR, oldest)).isNotNull();
    }

    @Test
    void revisionNewerThanAnyIsRefused() {
        Revision future = new Revision(changeLog.current().value() + 1000);

        assertThatThrownBy(() -> listAndWatch.watch(ORCHESTRATOR, future)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void auditorsAndAgentsMayNotWatch() {
        Caller auditor = Caller.of("test-auditor", Role.AUDITOR, null);

        assertThatThrownBy(() -> listAndWatch.list(auditor)).isInstanceOf(AccessDenied.class);
        assertThatThrownBy(() -> listAndWatch.watch(agentOf("gpu-01"), Revision.NONE)).isInstanceOf(AccessDenied.class);
    }
}
