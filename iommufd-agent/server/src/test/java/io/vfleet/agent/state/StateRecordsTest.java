package io.vfleet.agent.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vfleet.agent.AgentHosts;
import io.vfleet.agent.state.v1.Kernel;
import io.vfleet.agent.state.v1.PreparedDevice;
import io.vfleet.agent.vmm.Assignment;
import io.vfleet.agent.vmm.Prepared;
import io.vfleet.engine.Host;
import io.vfleet.engine.KernelConfig;
import io.vfleet.engine.KernelProfile;
import io.vfleet.engine.snapshot.BusyHosts;
import io.vfleet.engine.snapshot.HostSnapshot;
import io.vfleet.engine.topology.HostTopology;
import io.vfleet.engine.topology.PciFunction;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/** A base's records survive their encoding unchanged: hosts, topologies and assignments. */
class StateRecordsTest {

    static Stream<String> shippedHosts() throws IOException {
        Path folder = AgentHosts.shippedFolder();
        try (Stream<Path> files = Files.list(folder)) {
            return files.map(path -> path.getFileName().toString()).filter(name -> name.endsWith(".yaml"))
                    .map(name -> name.substring(0, name.length() - ".yaml".length())).sorted().toList().stream();
        }
    }

    @ParameterizedTest
    @EnumSource(KernelProfile.class)
    void aBusyHostsSnapshotRoundTripsThroughItsBytes(KernelProfile profile) throws Exception {
        Host host = BusyHosts.busyHost(profile).host();
        HostSnapshot snapshot = HostSnapshot.of(host);

        HostSnapshot decoded = StateRecords.decode(Kernel.parseFrom(StateRecords.encode(snapshot).toByteArray()));

        assertThat(decoded).isEqualTo(snapshot);
    }

    @ParameterizedTest
    @MethodSource("shippedHosts")
    void everyShippedTopologyRoundTripsThroughItsBytes(String name) throws Exception {
        HostSnapshot snapshot = HostSnapshot.of(Host.boot(AgentHosts.shipped(name)));

        HostSnapshot decoded = StateRecords.decode(Kernel.parseFrom(StateRecords.encode(snapshot).toByteArray()));

        assertThat(decoded.topology()).isEqualTo(snapshot.topology());
    }

    /** Debian's stock 6.12 (no IOMMUFD) and an IOMMU without snoop control, which no shipped topology has. */
    @Test
    void aKernelWithoutIommufdAndAnIommuThatCannotEnforceCoherencyRoundTrip() throws Exception {
        HostTopology shipped = AgentHosts.shipped("gpu-server-8x");
        List<PciFunction> functions = shipped.functions().stream().map(function -> new PciFunction(function.bdf(), function.id(),
                function.driver(), function.iommuGroup(), function.upstreamBridge(), function.physfn(), function.reset(),
                function.iommu().withEnforceCacheCoherency(false))).toList();
        HostTopology stock = new HostTopology(shipped.hostname(),
                new KernelConfig(KernelProfile.LINUX_6_12, true, true, false, false, false, false), functions,
                shipped.emulatedDevices());
        HostSnapshot snapshot = HostSnapshot.of(Host.boot(stock));

        HostSnapshot decoded = StateRecords.decode(Kernel.parseFrom(StateRecords.encode(snapshot).toByteArray()));

        assertThat(decoded.topology()).isEqualTo(stock);
        assertThat(decoded.topology().kernel().iommufd()).isFalse();
        assertThat(decoded.topology().functions()).allSatisfy(function ->
                assertThat(function.iommu().enforceCacheCoherency()).isFalse());
    }

    @Test
    void aTopologyTheRecordsRefuseIsRefusedNamingTheField() {
        Kernel kernel = StateRecords.encode(HostSnapshot.of(Host.boot(AgentHosts.shipped("gpu-server-8x"))));
        Kernel edited = kernel.toBuilder().setTopology(kernel.getTopology().toBuilder()
                .setFunctions(2, kernel.getTopology().getFunctions(2).toBuilder().setDriver("not a driver"))).build();

        assertThatThrownBy(() -> StateRecords.decode(edited)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("kernel.topology: ").hasMessageContaining("devices[2].driver")
                .hasMessageContaining("'not a driver' is not a driver name");
    }

    @Test
    void aPreparedAssignmentRoundTripsThroughItsBytes() throws Exception {
        Assignment assignment = new Assignment("a-1", "acme", List.of("0000:18:00.0", "0000:19:00.0"), true, -2,
                new Prepared(100, 3, 1, 4, 5, List.of(new Prepared.Device("0000:18:00.0", "/dev/vfio/devices/vfio0", 6, 1, 2, true, false),
                        new Prepared.Device("0000:19:00.0", "/dev/vfio/noiommu-0", 7, 3, 0, false, true)), "vfa_credential"));
        Assignment released = new Assignment("a-2", "", List.of(), false, 9, null);

        for (Assignment recorded : List.of(assignment, released)) {
            var bytes = StateRecords.encode(recorded).toByteArray();
            assertThat(StateRecords.decode(io.vfleet.agent.state.v1.Assignment.parseFrom(bytes))).isEqualTo(recorded);
        }
    }

    @Test
    void anAssignmentRecordedBeforeDevicesSaidTheirFunctionResetAndKindReadsWithNeither() {
        var recorded = io.vfleet.agent.state.v1.Assignment.newBuilder().setId("a-1").setTenant("acme").addDevices("0000:18:00.0")
                .setEpoch(3).setPrepared(io.vfleet.agent.state.v1.Prepared.newBuilder().setPid(100).setIoasId(1).setVmFd(-1)
                        .setKvmDeviceFd(-1).addDevices(PreparedDevice.newBuilder().setBdf("0000:18:00.0")
                                .setCdevPath("/dev/vfio/devices/vfio0").setFd(1).setDevid(2).setHwptId(3)))
                .build();

        assertThat(StateRecords.decode(recorded).prepared().devices()).containsExactly(
                new Prepared.Device("0000:18:00.0", "/dev/vfio/devices/vfio0", 1, 2, 3, false, false));
    }
}
