package io.vfleet.engine.topology.yaml;

import static org.assertj.core.api.Assertions.assertThat;

import io.vfleet.engine.topology.Bdf;
import io.vfleet.engine.topology.EmulatedDeviceSpec;
import io.vfleet.engine.topology.HostTopology;
import io.vfleet.engine.topology.PciFunction;
import io.vfleet.engine.topology.ResetDomain;
import io.vfleet.engine.KernelProfile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Every topology in {@code deploy/topologies/} loads and models what its header says. */
class ShippedTopologiesTest {
    /** Surefire runs with the module as working directory. */
    private static final Path FOLDER = Path.of("../../deploy/topologies");

    static Stream<Path> shippedTopologies() throws IOException {
        try (Stream<Path> files = Files.list(FOLDER)) {
            return files.filter(path -> path.toString().endsWith(".yaml")).sorted().toList().stream();
        }
    }

    @Test
    void theFolderHoldsAllSevenShippedTopologies() throws IOException {
        assertThat(shippedTopologies().map(path -> path.getFileName().toString())).containsExactlyInAnyOrder(
                "gpu-server-8x.yaml", "workstation-gpu-audio.yaml", "legacy-shared-bus.yaml", "sriov-nic.yaml",
                "noiommu-host.yaml", "emulated-devices.yaml", "cdev-only-6.6.yaml");
    }

    @ParameterizedTest
    @MethodSource("shippedTopologies")
    void everyShippedTopologyLoadsAndStartsWithAHeaderComment(Path file) throws IOException {
        HostTopology topology = TopologyLoader.load(file);

        assertThat(topology.functions()).isNotEmpty();
        assertThat(Files.readString(file)).startsWith("# ");
    }

    @Test
    void gpuServerHasEightGpusEachAloneInItsGroupAndSlot() throws IOException {
        HostTopology topology = load("gpu-server-8x.yaml");
        List<PciFunction> gpus = topology.functions().stream()
                .filter(function -> function.id().deviceId() == 0x2330).toList();

        assertThat(gpus).hasSize(8).allSatisfy(gpu -> {
            assertThat(gpu.isBoundToVfio()).isTrue();
            assertThat(gpu.reset().functionReset()).isTrue();
            assertThat(topology.iommuGroupMembers(gpu.iommuGroup())).containsExactly(gpu);
            assertThat(topology.resetDomain(gpu.bdf()).kind()).isEqualTo(ResetDomain.Kind.SLOT);
            assertThat(topology.hotResetAffected(gpu.bdf())).containsExactly(gpu.bdf());
        });
        assertThat(topology.functions()).filteredOn(PciFunction::holdsDmaOwnership)
                .extracting(PciFunction::driver).containsExactlyInAnyOrder("nvme", "mlx5_core", "mlx5_core");
    }

    @Test
    void workstationHasOneViableAndOneNonViableGpuGroup() throws IOException {
        HostTopology topology = load("workstation-gpu-audio.yaml");

        assertThat(topology.iommuGroupMembers(12)).extracting(function -> function.bdf().toString())
                .containsExactly("0000:01:00.0", "0000:01:00.1");
        assertThat(topology.iommuGroupViable(12)).isTrue();
        assertThat(topology.iommuGroupViable(13)).isFalse();
        assertThat(topology.hotResetAffected(Bdf.parse("0000:01:00.0")))
                .containsExactly(Bdf.parse("0000:01:00.0"), Bdf.parse("0000:01:00.1"));
    }

    @Test
    void legacyHostSharesOneBusResetDomainAmongFunctionsWithoutFlr() throws IOException {
        HostTopology topology = load("legacy-shared-bus.yaml");
        Bdf port0 = Bdf.parse("0000:02:00.0");

        assertThat(topology.resetDomainKey(port0)).isEqualTo("bus:0000:02");
        assertThat(topology.resetDomainMembers(port0)).hasSize(4)
                .filteredOn(PciFunction::isBoundToVfio).hasSize(3)
                .allSatisfy(function -> assertThat(function.reset().functionReset()).isFalse());
        assertThat(topology.hotResetAffected(port0)).contains(Bdf.parse("0000:02:00.3"));
        assertThat(topology.function(Bdf.parse("0000:02:00.3")).orElseThrow().isBoundToVfio()).isFalse();
    }

    @Test
    void sriovHostHasEightVirtualFunctionsOfPortZero() throws IOException {
        HostTopology topology = load("sriov-nic.yaml");

        List<PciFunction> vfs = topology.virtualFunctions(Bdf.parse("0000:41:00.0"));

        assertThat(vfs).hasSize(8).allSatisfy(vf -> {
            assertThat(vf.id().deviceId()).isEqualTo(0x101e);
            assertThat(vf.isBoundToVfio()).isTrue();
            assertThat(topology.iommuGroupMembers(vf.iommuGroup())).containsExactly(vf);
        });
        assertThat(vfs.getFirst().iommu().reservedRegions()).hasSize(2);
    }

    @Test
    void noiommuHostAllowsUnsafeModeAndHasTwoNoiommuCandidates() throws IOException {
        HostTopology topology = load("noiommu-host.yaml");

        assertThat(topology.kernel().unsafeNoiommuMode()).isTrue();
        assertThat(topology.functions()).filteredOn(PciFunction::isNoiommuCandidate).hasSize(2);
    }

    @Test
    void emulatedHostOffersFourEmulatedDevicesTwoOfWhichNeedKvm() throws IOException {
        HostTopology topology = load("emulated-devices.yaml");

        assertThat(topology.emulatedDevices()).hasSize(4);
        assertThat(topology.emulatedDevices()).filteredOn(EmulatedDeviceSpec::requiresKvm)
                .extracting(EmulatedDeviceSpec::type).containsExactly("vfio-ap", "gvt");
        assertThat(topology.iommuGroupViable(1)).isTrue();
    }

    @Test
    void cdevOnlyHostRunsLinux66WithoutGroups() throws IOException {
        HostTopology topology = load("cdev-only-6.6.yaml");

        assertThat(topology.kernel().profile()).isEqualTo(KernelProfile.LINUX_6_6);
        assertThat(topology.kernel().vfioGroup()).isFalse();
        assertThat(topology.kernel().vfioDeviceCdev()).isTrue();
        assertThat(topology.functions()).filteredOn(function -> function.id().deviceId() == 0xa80a).hasSize(3);
    }

    private static HostTopology load(String name) throws IOException {
        return TopologyLoader.load(FOLDER.resolve(name));
    }
}
