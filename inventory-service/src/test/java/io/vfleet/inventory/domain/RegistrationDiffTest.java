package io.vfleet.inventory.domain;

import static org.assertj.core.api.Assertions.assertThat;

import io.vfleet.inventory.support.Registrations;
import java.util.List;
import java.util.Optional;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

class RegistrationDiffTest {
    private static final Revision FIRST = new Revision(7);
    private static final Revision SECOND = new Revision(8);

    @Test
    void firstRegistrationAddsTheNodeAndEveryDevice() {
        RegistrationDiff diff = RegistrationDiff.between(Optional.empty(), List.of(), Registrations.gpuServer("gpu-01", 2).build(), FIRST);

        assertThat(diff.changes()).extracting(Change::type).containsExactly(ChangeType.ADDED, ChangeType.ADDED, ChangeType.ADDED);
        assertThat(diff.changes()).allMatch(change -> change.revision().equals(FIRST));
        assertThat(diff.devices()).extracting(NodeDevice::iommuGroup).containsExactly(10, 11);
        assertThat(diff.devices()).extracting(NodeDevice::resetSet).containsOnly("bus:switch-0");
    }

    @Test
    void deviceMissingFromAReRegistrationIsRemovedNotDropped() {
        RegistrationDiff first = RegistrationDiff.between(Optional.empty(), List.of(), Registrations.gpuServer("gpu-01", 2).build(), FIRST);
        NodeRegistration without = Registrations.gpuServer("gpu-01", 2).without(Registrations.gpuBdf(1)).build();

        RegistrationDiff second = RegistrationDiff.between(Optional.of(first.node()), first.devices(), without, SECOND);

        assertThat(second.changes()).hasSize(2);
        assertThat(second.changes().get(0)).isInstanceOf(Change.NodeChanged.class);
        Change.DeviceChanged removed = (Change.DeviceChanged) second.changes().get(1);
        assertThat(removed.type()).isEqualTo(ChangeType.REMOVED);
        assertThat(removed.state().bdf()).isEqualTo(Registrations.gpuBdf(1));
        assertThat(removed.state().state()).isEqualTo(DeviceState.REMOVED);
        assertThat(second.devices()).containsExactly(removed.state());
    }

    @Test
    void removedDeviceReportedAgainComesBackModified() {
        NodeRegistration full = Registrations.gpuServer("gpu-01", 2).build();
        RegistrationDiff first = RegistrationDiff.between(Optional.empty(), List.of(), full, FIRST);
        NodeDevice removed = first.devices().get(1).removedAt(FIRST);

        RegistrationDiff back = RegistrationDiff.between(Optional.of(first.node()), List.of(first.devices().get(0), removed), full, SECOND);

        assertThat(back.changes()).singleElement().satisfies(change -> {
            assertThat(change.type()).isEqualTo(ChangeType.MODIFIED);
            assertThat(((Change.DeviceChanged) change).state().state()).isEqualTo(DeviceState.PRESENT);
        });
    }

    @Test
    void unreachableNodeThatRegistersIsReadyAgain() {
        NodeRegistration registration = Registrations.gpuServer("gpu-01", 1).build();
        RegistrationDiff first = RegistrationDiff.between(Optional.empty(), List.of(), registration, FIRST);
        Node unreachable = first.node().withState(NodeState.UNREACHABLE, FIRST);

        RegistrationDiff second = RegistrationDiff.between(Optional.of(unreachable), first.devices(), registration, SECOND);

        assertThat(second.changes()).singleElement().satisfies(change ->
                assertThat(((Change.NodeChanged) change).state().state()).isEqualTo(NodeState.READY));
    }

    @Property
    void registeringTheSameTopologyAgainChangesNothing(@ForAll @IntRange(min = 0, max = 12) int gpus) {
        NodeRegistration registration = Registrations.gpuServer("gpu-01", gpus).build();
        RegistrationDiff first = RegistrationDiff.between(Optional.empty(), List.of(), registration, FIRST);

        RegistrationDiff again = RegistrationDiff.between(Optional.of(first.node()), first.devices(), registration, SECOND);

        assertThat(again.changesNothing()).isTrue();
        assertThat(again.node()).isEqualTo(first.node());
    }

    @Property
    void everyDeviceEverReportedStaysListed(@ForAll @IntRange(min = 1, max = 8) int before, @ForAll @IntRange(min = 0, max = 8) int after) {
        RegistrationDiff first = RegistrationDiff.between(Optional.empty(), List.of(), Registrations.gpuServer("gpu-01", before).build(), FIRST);

        RegistrationDiff second = RegistrationDiff.between(Optional.of(first.node()), first.devices(),
                Registrations.gpuServer("gpu-01", after).build(), SECOND);

        long removed = second.devices().stream().filter(device -> device.state() == DeviceState.REMOVED).count();
        long added = second.changes().stream().filter(change -> change.type() == ChangeType.ADDED).count();
        assertThat(removed).isEqualTo(Math.max(0, before - after));
        assertThat(added).isEqualTo(Math.max(0, after - before));
    }
}
