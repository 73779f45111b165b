package io.vfleet.engine.topology.yaml;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vfleet.engine.topology.Bdf;
import io.vfleet.engine.topology.EmulatedDeviceSpec;
import io.vfleet.engine.topology.HostTopology;
import io.vfleet.engine.topology.IommuFacts;
import io.vfleet.engine.topology.PciFunction;
import io.vfleet.engine.topology.PciId;
import io.vfleet.engine.topology.ReservedRegion;
import io.vfleet.engine.topology.ResetCapabilities;
import io.vfleet.engine.topology.TopologyException;
import io.vfleet.engine.IovaRange;
import io.vfleet.engine.KernelConfig;
import io.vfleet.engine.KernelProfile;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What the loader accepts, and one test per refusal, each naming the field, line and reason. */
class TopologyLoaderTest {
    private static final String ROOT_PORT = """
              - bdf: 0000:00:01.0
                id: {vendor: 0x8086, device: 0x347a, class: 0x060400}
                driver: pcieport
                iommuGroup: 1
                reset: {secondaryBusReset: true}
            """;
    private static final String GPU = """
              - bdf: 0000:01:00.0
                id: {vendor: 0x10de, device: 0x2330, class: 0x030200}
                driver: vfio-pci
                iommuGroup: 2
                upstreamBridge: 0000:00:01.0
                reset: {functionReset: true}
            """;

    @Test
    void minimalTopologyLoadsWithDefaults() {
        HostTopology topology = TopologyLoader.parse("hostname: h1\ndevices:\n" + ROOT_PORT + GPU, "t.yaml");

        assertThat(topology.hostname()).isEqualTo("h1");
        assertThat(topology.kernel()).isEqualTo(KernelConfig.defaults(KernelProfile.V11));
        assertThat(topology.emulatedDevices()).isEmpty();
        PciFunction gpu = topology.function(Bdf.parse("0000:01:00.0")).orElseThrow();
        assertThat(gpu).isEqualTo(new PciFunction(Bdf.parse("0000:01:00.0"), new PciId(0x10de, 0x2330, 0x030200), "vfio-pci",
                2, Bdf.parse("0000:00:01.0"), null, ResetCapabilities.FUNCTION_RESET, IommuFacts.DEFAULTS));
    }

    @Test
    void functionsAreSortedByBdfWhateverTheFileOrder() {
        HostTopology topology = TopologyLoader.parse("hostname: h1\ndevices:\n" + GPU + ROOT_PORT, "t.yaml");

        assertThat(topology.functions()).extracting(function -> function.bdf().toString())
                .containsExactly("0000:00:01.0", "0000:01:00.0");
    }

    @Test
    void absentOptionalFieldsMeanNoDriverNoGroupRootBusNoReset() {
        HostTopology topology = TopologyLoader.parse("""
                hostname: h1
                devices:
                  - {bdf: 3b:00.0, id: {vendor: 0x8086, device: 0x1533, class: 0x020000}}
                """, "t.yaml");

        PciFunction function = topology.functions().getFirst();
        assertThat(function.bdf()).isEqualTo(new Bdf(0, 0x3b, 0, 0));
        assertThat(function.driver()).isNull();
        assertThat(function.iommuGroup()).isNull();
        assertThat(function.upstreamBridge()).isNull();
        assertThat(function.physfn()).isNull();
        assertThat(function.reset()).isEqualTo(ResetCapabilities.NONE);
    }

    @Test
    void kernelBlockSetsProfileAndOptions() {
        HostTopology topology = TopologyLoader.parse("""
                hostname: h1
                kernel: {profile: linux-6.6, vfioGroup: true, vfioContainer: false, iommufdVfioContainer: true, vfioDeviceCdev: false, unsafeNoiommuMode: true}
                """, "t.yaml");

        assertThat(topology.kernel()).isEqualTo(new KernelConfig(KernelProfile.LINUX_6_6, true, false, true, false, true));
    }

    @Test
    void turningGroupsOffAloneDropsTheContainerAndForcesTheCdev() {
        HostTopology topology = TopologyLoader.parse("hostname: h1\nkernel:\n  vfioGroup: false\n", "t.yaml");

        assertThat(topology.kernel()).isEqualTo(new KernelConfig(KernelProfile.V11, false, false, false, true, false));
    }

    @Test
    void askingForTheIommufdContainerAloneDropsTheLegacyContainer() {
        HostTopology topology = TopologyLoader.parse("hostname: h1\nkernel:\n  iommufdVfioContainer: true\n", "t.yaml");

        assertThat(topology.kernel().vfioContainer()).isFalse();
        assertThat(topology.kernel().iommufdVfioContainer()).isTrue();
    }

    @Test
    void hostDefaultsReplaceBuiltInIommuFactsAndDevicesReplaceHostDefaultsFieldByField() {
        HostTopology topology = TopologyLoader.parse("""
                hostname: h1
                defaults:
                  iommu:
                    aperture: {start: 0x1000, last: 0xffffffffff}
                    pageSizes: [4K, 64K]
                devices:
                  - bdf: 0000:00:02.0
                    id: {vendor: 0x8086, device: 0x1533, class: 0x020000}
                  - bdf: 0000:00:03.0
                    id: {vendor: 0x8086, device: 0x1533, class: 0x020000}
                    iommu:
                      reservedRegions: [{start: 0x0, last: 0xfff, type: direct}]
                      cacheCoherent: false
                      msiIsolated: false
                      requiresKvm: true
                """, "t.yaml");

        IommuFacts hostDefaults = new IommuFacts(new IovaRange(0x1000, 0xff_ffff_ffffL), List.of(ReservedRegion.X86_MSI),
                (1L << 12) | (1L << 16), true, true, false);
        assertThat(topology.functions().get(0).iommu()).isEqualTo(hostDefaults);
        assertThat(topology.functions().get(1).iommu()).isEqualTo(new IommuFacts(hostDefaults.aperture(),
                List.of(new ReservedRegion(new IovaRange(0, 0xfff), ReservedRegion.Type.DIRECT)), hostDefaults.pageSizeBitmap(),
                false, false, true));
    }

    @Test
    void pageSizesAcceptSuffixesAndPlainIntegers() {
        HostTopology topology = TopologyLoader.parse("""
                hostname: h1
                devices:
                  - {bdf: 0000:00:02.0, id: {vendor: 0x8086, device: 0x1533, class: 0x020000}, iommu: {pageSizes: [0x1000, 2M, 1g, 512G]}}
                """, "t.yaml");

        assertThat(topology.functions().getFirst().iommu().pageSizeBitmap()).isEqualTo((1L << 12) | (1L << 21) | (1L << 30) | (1L << 39));
    }

    @Test
    void everyReservedRegionTypeReadsByItsSysfsName() {
        HostTopology topology = TopologyLoader.parse("""
                hostname: h1
                defaults:
                  iommu:
                    reservedRegions:
                      - {start: 0x0, last: 0x0, type: direct}
                      - {start: 0x1, last: 0x1, type: direct-relaxable}
                      - {start: 0x2, last: 0x2, type: reserved}
                      - {start: 0x3, last: 0x3, type: msi}
                      - {start: 0x4, last: 0x4, type: msi-sw}
                devices:
                  - {bdf: 0000:00:02.0, id: {vendor: 0x8086, device: 0x1533, class: 0x020000}}
                """, "t.yaml");

        assertThat(topology.functions().getFirst().iommu().reservedRegions()).extracting(ReservedRegion::type)
                .containsExactly(ReservedRegion.Type.values());
    }

    @Test
    void iommuGroupMayHoldFunctionsOfTwoResetDomains() {
        HostTopology topology = TopologyLoader.parse("hostname: h1\ndevices:\n" + ROOT_PORT + GPU + """
                  - {bdf: 0000:00:02.0, id: {vendor: 0x8086, device: 0x1533, class: 0x020000}, driver: vfio-pci, iommuGroup: 2}
                """, "t.yaml");

        assertThat(topology.iommuGroupMembers(2)).hasSize(2);
        assertThat(topology.resetDomainKey(Bdf.parse("0000:01:00.0"))).isNotEqualTo(topology.resetDomainKey(Bdf.parse("0000:00:02.0")));
    }

    @Test
    void emulatedDevicesLoadWithParentAndKvmRequirement() {
        HostTopology topology = TopologyLoader.parse("hostname: h1\ndevices:\n" + ROOT_PORT + """
                emulatedDevices:
                  - {name: mtty-0, type: mtty}
                  - name: gvt-0
                    type: gvt
                    parent: 0000:00:01.0
                    requiresKvm: true
                """, "t.yaml");

        assertThat(topology.emulatedDevices()).containsExactly(new EmulatedDeviceSpec("mtty-0", "mtty", null, false),
                new EmulatedDeviceSpec("gvt-0", "gvt", Bdf.parse("0000:00:01.0"), true));
    }

    // Refusals. Each names the field path, and the line where the field is.

    @Test
    void duplicateBdfIsRefused() {
        assertRefused("hostname: h1\ndevices:\n" + ROOT_PORT + GPU + GPU, "devices[2].bdf", 14,
                "duplicate 0000:01:00.0 (also devices[1])");
    }

    @Test
    void upstreamBridgeNamingAnUnknownFunctionIsRefused() {
        assertRefused("hostname: h1\ndevices:\n" + GPU, "devices[0].upstreamBridge", 7, "no function 0000:00:01.0 on this host");
    }

    @Test
    void upstreamBridgeNamingANonBridgeIsRefused() {
        assertRefused("hostname: h1\ndevices:\n" + GPU + """
                  - {bdf: 0000:02:00.0, id: {vendor: 0x8086, device: 0x1533, class: 0x020000}, upstreamBridge: 0000:01:00.0}
                """ + ROOT_PORT, "devices[1].upstreamBridge", 9, "0000:01:00.0 is not a bridge (class 0x030200");
    }

    @Test
    void bridgesFormingACycleAreRefused() {
        assertRefused("""
                hostname: h1
                devices:
                  - {bdf: 0000:01:00.0, id: {vendor: 0x1000, device: 0xc030, class: 0x060400}, upstreamBridge: 0000:02:00.0}
                  - {bdf: 0000:02:00.0, id: {vendor: 0x1000, device: 0xc030, class: 0x060400}, upstreamBridge: 0000:01:00.0}
                """, "devices[0].upstreamBridge", 3, "bridges form a cycle: 0000:01:00.0 -> 0000:02:00.0 -> 0000:01:00.0");
    }

    @Test
    void functionBelowItselfIsRefused() {
        assertRefused("""
                hostname: h1
                devices:
                  - {bdf: 0000:01:00.0, id: {vendor: 0x1000, device: 0xc030, class: 0x060400}, upstreamBridge: 0000:01:00.0}
                """, "devices[0].upstreamBridge", 3, "cannot sit below itself");
    }

    @Test
    void busBelowTwoParentsIsRefused() {
        assertRefused("hostname: h1\ndevices:\n" + ROOT_PORT + GPU + """
                  - {bdf: 0000:01:00.1, id: {vendor: 0x10de, device: 0x22ba, class: 0x040300}}
                """, "devices[2].upstreamBridge", 14,
                "bus 0000:01 is below 0000:00:01.0 (devices[1]), but this function says it is a root bus");
    }

    @Test
    void physfnNamingAnUnknownFunctionIsRefused() {
        assertRefused("""
                hostname: h1
                devices:
                  - {bdf: 0000:41:00.2, id: {vendor: 0x15b3, device: 0x101e, class: 0x020000}, physfn: 0000:41:00.0}
                """, "devices[0].physfn", 3, "no function 0000:41:00.0 on this host");
    }

    @Test
    void virtualFunctionOfAVirtualFunctionIsRefused() {
        assertRefused("""
                hostname: h1
                devices:
                  - {bdf: 0000:41:00.0, id: {vendor: 0x15b3, device: 0x101d, class: 0x020000}}
                  - {bdf: 0000:41:00.2, id: {vendor: 0x15b3, device: 0x101e, class: 0x020000}, physfn: 0000:41:00.0}
                  - {bdf: 0000:41:00.3, id: {vendor: 0x15b3, device: 0x101e, class: 0x020000}, physfn: 0000:41:00.2}
                """, "devices[2].physfn", 5, "0000:41:00.2 is itself a virtual function (of 0000:41:00.0)");
    }

    @Test
    void bridgeAsPhysicalFunctionIsRefused() {
        assertRefused("hostname: h1\ndevices:\n" + ROOT_PORT + """
                  - {bdf: 0000:00:02.0, id: {vendor: 0x15b3, device: 0x101e, class: 0x020000}, physfn: 0000:00:01.0}
                """, "devices[1].physfn", 8, "0000:00:01.0 is a bridge");
    }

    @Test
    void negativeIommuGroupIsRefused() {
        assertRefused("""
                hostname: h1
                devices:
                  - bdf: 0000:00:02.0
                    id: {vendor: 0x8086, device: 0x1533, class: 0x020000}
                    iommuGroup: -1
                """, "devices[0].iommuGroup", 5, "must be 0 or more, got -1");
    }

    @Test
    void reservedRegionWithStartAfterLastIsRefused() {
        assertRefused("""
                hostname: h1
                devices:
                  - bdf: 0000:00:02.0
                    id: {vendor: 0x8086, device: 0x1533, class: 0x020000}
                    iommu:
                      reservedRegions:
                        - {start: 0xfee00000, last: 0xfeefffff, type: msi}
                        - {start: 0x2000, last: 0x1fff, type: reserved}
                """, "devices[0].iommu.reservedRegions[1]", 8, "start 0x2000 is after last 0x1fff");
    }

    @Test
    void apertureWithStartAfterLastInHostDefaultsIsRefused() {
        assertRefused("hostname: h1\ndefaults:\n  iommu:\n    aperture: {start: 0x10, last: 0x0}\n",
                "defaults.iommu.aperture", 4, "start 0x10 is after last 0x0");
    }

    @Test
    void unknownReservedRegionTypeIsRefused() {
        assertRefused("hostname: h1\ndefaults:\n  iommu:\n    reservedRegions: [{start: 0x0, last: 0x1, type: rmrr}]\n",
                "defaults.iommu.reservedRegions[0].type", 4, "unknown reserved region type 'rmrr'");
    }

    @Test
    void pageSizeThatIsNotAPowerOfTwoIsRefused() {
        assertRefused("hostname: h1\ndefaults:\n  iommu:\n    pageSizes: [4K, 3K]\n",
                "defaults.iommu.pageSizes[1]", 4, "expected a power of two such as 4K, 2M or 1G, got '3K'");
    }

    @Test
    void emptyPageSizeListIsRefused() {
        assertRefused("hostname: h1\ndefaults:\n  iommu:\n    pageSizes: []\n",
                "defaults.iommu.pageSizes", 4, "at least one page size");
    }

    @Test
    void emptyHostnameIsRefused() {
        assertRefused("hostname: ''\n", "hostname", 1, "must not be empty");
    }

    @Test
    void missingHostnameIsRefused() {
        assertRefused("devices: []\n", "hostname", 1, "required");
    }

    @Test
    void emptyDocumentIsRefusedForItsMissingHostname() {
        assertRefused("# nothing\n", "hostname", 1, "required (the document is empty)");
    }

    @Test
    void hostnameWithSpacesIsRefused() {
        assertRefused("hostname: my host\n", "hostname", 1, "'my host' is not a host name");
    }

    @Test
    void unknownTopLevelKeyIsRefusedByName() {
        assertRefused("hostname: h1\ndevice: []\n", "device", 2, "unknown key (expected one of hostname, kernel, defaults, devices, emulatedDevices)");
    }

    @Test
    void misspelledDeviceKeyIsRefusedByName() {
        assertRefused("""
                hostname: h1
                devices:
                  - bdf: 0000:00:02.0
                    id: {vendor: 0x8086, device: 0x1533, class: 0x020000}
                    iommuGrup: 3
                """, "devices[0].iommuGrup", 5, "unknown key");
    }

    @Test
    void unknownKeysInNestedBlocksAreRefusedByName() {
        String device = "hostname: h1\ndevices:\n  - bdf: 0000:00:02.0\n    id: {vendor: 0x8086, device: 0x1533, class: 0x020000";
        assertRefused(device + ", subsystem: 0x1}\n", "devices[0].id.subsystem", 4, "unknown key");
        assertRefused(device + "}\n    reset: {flr: true}\n", "devices[0].reset.flr", 5, "unknown key");
        assertRefused(device + "}\n    iommu: {coherent: true}\n", "devices[0].iommu.coherent", 5, "unknown key");
        assertRefused("hostname: h1\nkernel: {noiommu: true}\n", "kernel.noiommu", 2, "unknown key");
        assertRefused("hostname: h1\ndefaults: {iommus: {}}\n", "defaults.iommus", 2, "unknown key");
        assertRefused("hostname: h1\nemulatedDevices: [{name: m, type: mtty, kvm: true}]\n", "emulatedDevices[0].kvm", 2, "unknown key");
    }

    @Test
    void unknownKernelProfileIsRefused() {
        assertRefused("hostname: h1\nkernel:\n  profile: v12\n", "kernel.profile", 3, "unknown kernel profile 'v12'");
    }

    @Test
    void containerWithoutGroupsIsRefusedNamingTheKernelOption() {
        assertRefused("hostname: h1\nkernel:\n  vfioGroup: false\n  vfioContainer: true\n", "kernel.vfioContainer", 4,
                "needs vfioGroup");
    }

    @Test
    void bothContainerKindsAreRefusedNamingTheKernelOption() {
        assertRefused("hostname: h1\nkernel:\n  vfioContainer: true\n  iommufdVfioContainer: true\n",
                "kernel.iommufdVfioContainer", 4, "needs vfioGroup and no vfioContainer");
    }

    @Test
    void neitherGroupsNorCdevIsRefusedNamingTheKernelOption() {
        assertRefused("hostname: h1\nkernel:\n  vfioGroup: false\n  vfioDeviceCdev: false\n", "kernel.vfioDeviceCdev", 4,
                "forced on when vfioGroup is off");
    }

    @Test
    void malformedBdfIsRefused() {
        assertRefused("hostname: h1\ndevices:\n  - {bdf: 0000-3b-00.0, id: {vendor: 0x8086, device: 0x1533, class: 0x020000}}\n",
                "devices[0].bdf", 3, "'0000-3b-00.0' is not a PCI address");
    }

    @Test
    void bdfWithDeviceNumberOutOfRangeIsRefused() {
        assertRefused("hostname: h1\ndevices:\n  - {bdf: 0000:3b:20.0, id: {vendor: 0x8086, device: 0x1533, class: 0x020000}}\n",
                "devices[0].bdf", 3, "device 0x20 is outside 0x0..0x1f");
    }

    @Test
    void invalidVendorAndClassAreRefused() {
        assertRefused("hostname: h1\ndevices:\n  - {bdf: 0000:3b:00.0, id: {vendor: 0xffff, device: 0x1533, class: 0x020000}}\n",
                "devices[0].id.vendor", 3, "0xffff is not a vendor id");
        assertRefused("hostname: h1\ndevices:\n  - {bdf: 0000:3b:00.0, id: {vendor: 0x8086, device: 0x1533, class: 0x1020000}}\n",
                "devices[0].id.class", 3, "is not a 24-bit class code");
    }

    @Test
    void missingBdfOrIdIsRefused() {
        assertRefused("hostname: h1\ndevices:\n  - {id: {vendor: 0x8086, device: 0x1533, class: 0x020000}}\n", "devices[0].bdf", 3, "required");
        assertRefused("hostname: h1\ndevices:\n  - {bdf: 0000:3b:00.0}\n", "devices[0].id", 3, "required");
        assertRefused("hostname: h1\ndevices:\n  - {bdf: 0000:3b:00.0, id: {vendor: 0x8086, class: 0x020000}}\n", "devices[0].id.device", 3, "required");
    }

    @Test
    void slotResetOnANonBridgeIsRefused() {
        assertRefused("hostname: h1\ndevices:\n  - bdf: 0000:3b:00.0\n    id: {vendor: 0x10de, device: 0x2330, class: 0x030200}\n    reset: {slotReset: true}\n",
                "devices[0].reset.slotReset", 5, "only a bridge has a slot below it");
        assertRefused("hostname: h1\ndevices:\n  - bdf: 0000:3b:00.0\n    id: {vendor: 0x10de, device: 0x2330, class: 0x030200}\n    reset: {secondaryBusReset: true}\n",
                "devices[0].reset.secondaryBusReset", 5, "only a bridge has a bus below it");
    }

    @Test
    void driverThatIsNotAModuleNameIsRefused() {
        assertRefused("hostname: h1\ndevices:\n  - {bdf: 0000:3b:00.0, id: {vendor: 0x8086, device: 0x1533, class: 0x020000}, driver: 'vfio pci'}\n",
                "devices[0].driver", 3, "'vfio pci' is not a driver name");
    }

    @Test
    void wronglyTypedValuesAreRefused() {
        assertRefused("hostname: h1\nkernel: {vfioGroup: yes}\n", "kernel.vfioGroup", 2, "expected true or false, got 'yes'");
        assertRefused("hostname: h1\ndevices:\n  - {bdf: 0000:3b:00.0, id: {vendor: 0x8086, device: 0x1533, class: 0x020000}, iommuGroup: two}\n",
                "devices[0].iommuGroup", 3, "expected an integer");
        assertRefused("hostname: h1\ndevices: {a: 1}\n", "devices", 2, "must be a sequence");
        assertRefused("hostname: h1\ndevices: [0000:3b:00.0]\n", "devices[0]", 2, "must be a mapping");
        assertRefused("hostname: [a, b]\n", "hostname", 1, "expected a single value, got a sequence");
    }

    @Test
    void duplicateEmulatedDeviceNameIsRefused() {
        assertRefused("hostname: h1\nemulatedDevices:\n  - {name: m, type: mtty}\n  - {name: m, type: mtty}\n",
                "emulatedDevices[1].name", 4, "duplicate m (also emulatedDevices[0])");
    }

    @Test
    void emulatedDeviceWithUnknownParentIsRefused() {
        assertRefused("hostname: h1\nemulatedDevices:\n  - {name: gvt-0, type: gvt, parent: 0000:00:02.0}\n",
                "emulatedDevices[0].parent", 3, "no function 0000:00:02.0 on this host");
    }

    @Test
    void emulatedDeviceWithoutTypeIsRefused() {
        assertRefused("hostname: h1\nemulatedDevices:\n  - {name: m}\n", "emulatedDevices[0].type", 3, "required");
    }

    @Test
    void refusalMessageStartsWithFileLineColumnAndField() {
        assertThatThrownBy(() -> TopologyLoader.parse("hostname: h1\nkernel:\n  profile: v12\n", "hosts/h1.yaml"))
                .hasMessageStartingWith("hosts/h1.yaml:3:12: kernel.profile: unknown kernel profile 'v12'");
    }

    private static void assertRefused(String yaml, String field, int line, String reason) {
        assertThatThrownBy(() -> TopologyLoader.parse(yaml, "t.yaml")).isInstanceOfSatisfying(TopologyException.class, error -> {
            assertThat(error.field()).as(error.getMessage()).isEqualTo(field);
            assertThat(error.reason()).as(error.getMessage()).contains(reason);
            assertThat(error.line()).as(error.getMessage()).isEqualTo(line);
            assertThat(error.source()).isEqualTo("t.yaml");
            assertThat(error.getMessage()).contains(field + ": ");
        });
    }
}
