package io.vfleet.agent.topology;

import static org.assertj.core.api.Assertions.assertThat;

import io.vfleet.engine.Host;
import io.vfleet.engine.IovaRange;
import io.vfleet.engine.KernelConfig;
import io.vfleet.engine.KernelProfile;
import io.vfleet.engine.topology.Bdf;
import io.vfleet.engine.topology.HostTopology;
import io.vfleet.engine.topology.IommuFacts;
import io.vfleet.engine.topology.PciFunction;
import io.vfleet.engine.topology.ReservedRegion;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A fake sysfs built the way the kernel lays it out: devices live under {@code devices/pci0000:00/...}
 * nested below their bridges, {@code bus/pci/devices/*} are links to them, and driver, IOMMU group
 * and physfn are links too. It has the odd cases real hosts have: a GPU and its root port in one IOMMU
 * group, a function with no IOMMU group, one with no reset_method file, one with no class file.
 */
class SysfsTopologyReaderTest {
    @TempDir
    Path sysfs;
    @TempDir
    Path dev;
    @TempDir
    Path procSys;

    private SysfsTopologyReader reader() {
        return new SysfsTopologyReader(sysfs, dev, procSys);
    }

    @BeforeEach
    void buildTree() throws IOException {
        Files.createDirectories(dev.resolve("vfio"));
        Files.writeString(dev.resolve("vfio/vfio"), "");
        Files.createDirectories(procSys.resolve("kernel"));
        Files.writeString(procSys.resolve("kernel/osrelease"), "6.6.0-14-amd64\n");
        Files.createDirectories(sysfs.resolve("class/vfio-dev"));
        Files.createDirectories(sysfs.resolve("class/vfio"));
        Files.createDirectories(sysfs.resolve("module/vfio_iommu_type1"));
        Path rootPort = function("pci0000:00/0000:00:01.0", "0x8086", "0xa70d", "0x060400", "pcieport", 1, null);
        function("pci0000:00/0000:00:01.0/0000:01:00.0", "0x10de", "0x2684", "0x030000", "vfio-pci", 1, "bus");
        function("pci0000:00/0000:00:01.0/0000:01:00.1", "0x10de", "0x22ba", "0x040300", "vfio-pci", 1, "flr bus");
        function("pci0000:00/0000:00:1f.6", "0x8086", "0x15fb", "0x020000", "vfio-pci", null, "flr");
        Path noClass = function("pci0000:00/0000:00:1f.3", "0x8086", "0x51c8", "0x040380", "snd_hda_intel", 3, null);
        Files.delete(noClass.resolve("class"));
        Files.createDirectories(sysfs.resolve("kernel/iommu_groups/1"));
        Files.writeString(sysfs.resolve("kernel/iommu_groups/1/reserved_regions"),
                "0x00000000fee00000 0x00000000feefffff msi\n0x000000fd00000000 0x000000ffffffffff reserved\n");
        Files.writeString(dev.resolve("iommu"), "");
        Path vfio0 = Files.createDirectories(sysfs.resolve("class/vfio-dev/vfio0"));
        Files.writeString(vfio0.resolve("dev"), "511:0\n");
        Files.createSymbolicLink(vfio0.resolve("device"), sysfs.resolve("bus/pci/devices/0000:01:00.0"));
        Files.createDirectories(sysfs.resolve("bus/pci/slots/1"));
        Files.writeString(sysfs.resolve("bus/pci/slots/1/address"), "0000:01:00\n");
        assertThat(rootPort).exists();
    }

    private Path function(String path, String vendor, String device, String classCode, String driver, Integer group,
            String resetMethod) throws IOException {
        Path directory = Files.createDirectories(sysfs.resolve("devices/" + path));
        Files.writeString(directory.resolve("vendor"), vendor + "\n");
        Files.writeString(directory.resolve("device"), device + "\n");
        Files.writeString(directory.resolve("class"), classCode + "\n");
        Files.createDirectories(sysfs.resolve("bus/pci/drivers/" + driver));
        Files.createSymbolicLink(directory.resolve("driver"), sysfs.resolve("bus/pci/drivers/" + driver));
        if (group != null) {
            Path groupDirectory = Files.createDirectories(sysfs.resolve("kernel/iommu_groups/" + group + "/devices"));
            Files.createSymbolicLink(directory.resolve("iommu_group"), groupDirectory.getParent());
            Files.createSymbolicLink(groupDirectory.resolve(directory.getFileName()), directory);
        }
        if (resetMethod != null) {
            Files.writeString(directory.resolve("reset_method"), resetMethod + "\n");
        }
        Files.createDirectories(sysfs.resolve("bus/pci/devices"));
        Files.createSymbolicLink(sysfs.resolve("bus/pci/devices/" + directory.getFileName()), directory);
        return directory;
    }

    private PciFunction function(HostTopology topology, String bdf) {
        return topology.function(Bdf.parse(bdf)).orElseThrow();
    }

    @Test
    void readsIdsDriversGroupsBridgesAndResets() {
        HostTopology topology = reader().read("workstation-real");

        PciFunction gpu = function(topology, "0000:01:00.0");
        assertThat(gpu.id().vendorId()).isEqualTo(0x10de);
        assertThat(gpu.driver()).isEqualTo("vfio-pci");
        assertThat(gpu.iommuGroup()).isEqualTo(1);
        assertThat(gpu.upstreamBridge()).isEqualTo(Bdf.parse("0000:00:01.0"));
        assertThat(gpu.reset().functionReset()).as("bus reset only").isFalse();
        assertThat(function(topology, "0000:01:00.1").reset().functionReset()).isTrue();
        PciFunction rootPort = function(topology, "0000:00:01.0");
        assertThat(rootPort.reset().secondaryBusReset()).isTrue();
        assertThat(rootPort.reset().slotReset()).as("slot 1 is at 0000:01:00").isTrue();
        assertThat(gpu.iommu().reservedRegions()).containsExactly(ReservedRegion.X86_MSI,
                new ReservedRegion(new IovaRange(0xfd00000000L, 0xffffffffffL), ReservedRegion.Type.RESERVED));
    }

    @Test
    void aGroupWithItsBridgeInItIsOneGroup() {
        HostTopology topology = reader().read("workstation-real");

        assertThat(topology.iommuGroupMembers(1)).extracting(function -> function.bdf().toString())
                .containsExactly("0000:00:01.0", "0000:01:00.0", "0000:01:00.1");
        assertThat(topology.iommuGroupViable(1)).isTrue();
    }

    @Test
    void aFunctionWithoutAnIommuGroupOrReadableIdentityIsHandled() {
        HostTopology topology = reader().read("workstation-real");

        PciFunction nic = function(topology, "0000:00:1f.6");
        assertThat(nic.iommuGroup()).isNull();
        assertThat(nic.isNoiommuCandidate()).isTrue();
        assertThat(topology.function(Bdf.parse("0000:00:1f.3"))).as("no class file: left out").isEmpty();
        assertThat(topology.kernel().vfioDeviceCdev()).isTrue();
        assertThat(topology.kernel().vfioContainer()).isTrue();
        assertThat(topology.kernel().unsafeNoiommuMode()).isFalse();
    }

    @Test
    void theTopologyBootsAHostAndNamesItsVfioNodes() {
        SysfsTopologyReader reader = reader();
        Host host = Host.boot(reader.read("workstation-real"));

        assertThat(host.vfioDevices()).extracting(device -> device.name()).containsExactly("0000:01:00.0", "0000:01:00.1");
        assertThat(reader.vfioDeviceNodes()).containsEntry(Bdf.parse("0000:01:00.0"), "vfio0");
    }

    @Test
    void aStockDistributionKernelHasGroupsAndTheLegacyContainerButNoIommufdOrCdev() throws IOException {
        // Its vfio devices are in the vfio-dev class all the same, without a device number.
        Files.delete(sysfs.resolve("class/vfio-dev/vfio0/dev"));
        Files.delete(dev.resolve("iommu"));
        Files.writeString(procSys.resolve("kernel/osrelease"), "6.12.118+deb12-amd64\n");

        KernelConfig kernel = reader().kernelConfig();

        assertThat(kernel).isEqualTo(new KernelConfig(KernelProfile.LINUX_6_12, true, true, false, false, false, false));
    }

    @Test
    void iommufdServesTheContainerNodeWhenTypeOneIsAbsent() throws IOException {
        deleteTree(sysfs.resolve("module/vfio_iommu_type1"));
        Files.createDirectories(sysfs.resolve("module/vfio/parameters"));
        Files.writeString(sysfs.resolve("module/vfio/parameters/enable_unsafe_noiommu_mode"), "Y\n");

        KernelConfig kernel = reader().kernelConfig();

        assertThat(kernel).isEqualTo(new KernelConfig(KernelProfile.LINUX_6_6, true, false, true, true, true));
    }

    @Test
    void theProfileComesFromTheRelease() throws IOException {
        assertThat(reader().profile()).isEqualTo(KernelProfile.LINUX_6_6);
        Files.writeString(procSys.resolve("kernel/osrelease"), "6.12.0\n");
        assertThat(reader().profile()).isEqualTo(KernelProfile.LINUX_6_12);
        Files.writeString(procSys.resolve("kernel/osrelease"), "7.1.3-custom\n");
        assertThat(reader().profile()).isEqualTo(KernelProfile.LINUX_6_12);
        Files.writeString(procSys.resolve("kernel/osrelease"), "(unknown)\n");
        assertThat(reader().profile()).as("unreadable: the older").isEqualTo(KernelProfile.LINUX_6_6);
    }

    @Test
    void vfioFunctionsComeInCdevOrderWithTheirGroupNodes() throws IOException {
        Path vfio1 = Files.createDirectories(sysfs.resolve("class/vfio-dev/vfio1"));
        Files.createSymbolicLink(vfio1.resolve("device"), sysfs.resolve("bus/pci/devices/0000:01:00.1"));
        Files.writeString(sysfs.resolve("kernel/iommu_groups/1/name"), "vfio-noiommu\n");

        assertThat(reader().vfioFunctions()).containsExactly(
                new SysfsTopologyReader.VfioFunction(Bdf.parse("0000:01:00.0"), "vfio0", "noiommu-1"),
                new SysfsTopologyReader.VfioFunction(Bdf.parse("0000:01:00.1"), "vfio1", "noiommu-1"),
                new SysfsTopologyReader.VfioFunction(Bdf.parse("0000:00:1f.6"), "", ""));
    }

    @Test
    void anIntelIommuWithoutSnoopControlCannotEnforceCoherency() throws IOException {
        Path dmar = Files.createDirectories(sysfs.resolve("devices/virtual/iommu/dmar0/intel-iommu"));
        Files.writeString(dmar.resolve("ecap"), "12ca9a00f0ef5e\n");
        Files.writeString(dmar.resolve("cap"), "d2008c22260286\n");
        Files.createDirectories(sysfs.resolve("class/iommu"));
        Files.createSymbolicLink(sysfs.resolve("class/iommu/dmar0"), dmar.getParent());
        Files.createSymbolicLink(sysfs.resolve("devices/pci0000:00/0000:00:01.0/0000:01:00.0/iommu"), dmar.getParent());

        HostTopology topology = reader().read("lab");

        assertThat(function(topology, "0000:01:00.0").iommu().enforceCacheCoherency()).as("ecap bit 7 clear").isFalse();
        assertThat(function(topology, "0000:01:00.0").iommu().cacheCoherent()).as("the DMA is coherent all the same").isTrue();
        assertThat(function(topology, "0000:01:00.1").iommu().enforceCacheCoherency()).as("no iommu link: the default").isTrue();
        assertThat(function(topology, "0000:01:00.0").iommu().aperture()).as("MGAW 38 + 1 bits")
                .isEqualTo(new IovaRange(0, (1L << 39) - 1));
        assertThat(function(topology, "0000:01:00.1").iommu().aperture()).isEqualTo(IommuFacts.DEFAULTS.aperture());
        Files.writeString(dmar.resolve("ecap"), "f020de\n");
        assertThat(function(reader().read("lab"), "0000:01:00.0").iommu().enforceCacheCoherency()).isTrue();
    }

    private static void deleteTree(Path directory) throws IOException {
        try (var paths = Files.walk(directory)) {
            for (Path path : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        }
    }
}
