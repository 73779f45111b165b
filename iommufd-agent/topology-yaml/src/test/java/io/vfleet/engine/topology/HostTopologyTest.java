package io.vfleet.engine.topology;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vfleet.engine.topology.yaml.TopologyLoader;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The facts the engine derives from a topology: reset domains, hot-reset sets, DMA ownership, groups, VFs. */
class HostTopologyTest {
    /**
     * Root bus 00 holds an integrated device and three root ports: one whose slot supports slot reset
     * (a switch below it, with a slot-reset downstream port and a bus-reset downstream port), one with
     * secondary bus reset only, and one with no reset at all.
     */
    private static final HostTopology HOST = TopologyLoader.parse("""
            hostname: derived
            devices:
              - {bdf: 0000:00:02.0, id: {vendor: 0x8086, device: 0x3e92, class: 0x030000}, driver: i915, iommuGroup: 0}
              - {bdf: 0000:00:01.0, id: {vendor: 0x8086, device: 0x1901, class: 0x060400}, driver: pcieport, iommuGroup: 1, reset: {secondaryBusReset: true, slotReset: true}}
              - {bdf: 0000:01:00.0, id: {vendor: 0x1000, device: 0xc030, class: 0x060400}, driver: pcieport, iommuGroup: 2, upstreamBridge: 0000:00:01.0, reset: {secondaryBusReset: true}}
              - {bdf: 0000:02:00.0, id: {vendor: 0x1000, device: 0xc030, class: 0x060400}, driver: pcieport, iommuGroup: 3, upstreamBridge: 0000:01:00.0, reset: {slotReset: true}}
              - {bdf: 0000:02:01.0, id: {vendor: 0x1000, device: 0xc030, class: 0x060400}, driver: pcieport, iommuGroup: 4, upstreamBridge: 0000:01:00.0, reset: {secondaryBusReset: true}}
              - {bdf: 0000:03:00.0, id: {vendor: 0x10de, device: 0x2330, class: 0x030200}, driver: vfio-pci, iommuGroup: 5, upstreamBridge: 0000:02:00.0, reset: {functionReset: true}}
              - {bdf: 0000:04:00.0, id: {vendor: 0x14e4, device: 0x165f, class: 0x020000}, driver: vfio-pci, iommuGroup: 6, upstreamBridge: 0000:02:01.0}
              - {bdf: 0000:04:00.1, id: {vendor: 0x14e4, device: 0x165f, class: 0x020000}, driver: tg3, iommuGroup: 6, upstreamBridge: 0000:02:01.0}
              - {bdf: 0000:00:1c.0, id: {vendor: 0x8086, device: 0xa190, class: 0x060400}, driver: pcieport, iommuGroup: 7, reset: {secondaryBusReset: true}}
              - {bdf: 0000:05:00.0, id: {vendor: 0x15b3, device: 0x101d, class: 0x020000}, driver: mlx5_core, iommuGroup: 8, upstreamBridge: 0000:00:1c.0, reset: {functionReset: true}}
              - {bdf: 0000:05:00.2, id: {vendor: 0x15b3, device: 0x101e, class: 0x020000}, driver: vfio-pci, iommuGroup: 9, upstreamBridge: 0000:00:1c.0, physfn: 0000:05:00.0, reset: {functionReset: true}}
              - {bdf: 0000:05:00.3, id: {vendor: 0x15b3, device: 0x101e, class: 0x020000}, driver: pci-stub, iommuGroup: 10, upstreamBridge: 0000:00:1c.0, physfn: 0000:05:00.0, reset: {functionReset: true}}
              - {bdf: 0000:00:1d.0, id: {vendor: 0x8086, device: 0xa198, class: 0x060400}, driver: pcieport, iommuGroup: 11}
              - {bdf: 0000:06:00.0, id: {vendor: 0x144d, device: 0xa80a, class: 0x010802}, iommuGroup: 12, upstreamBridge: 0000:00:1d.0}
              - {bdf: 0000:06:00.1, id: {vendor: 0x144d, device: 0xa80a, class: 0x010802}, driver: vfio-pci, upstreamBridge: 0000:00:1d.0}
            """, "derived.yaml");

    @Test
    void functionOnARootBusIsItsOwnResetDomainWithoutHotReset() {
        ResetDomain domain = HOST.resetDomain(bdf("0000:00:02.0"));

        assertThat(domain).isEqualTo(new ResetDomain(ResetDomain.Kind.ROOT_BUS, "root:0000:00:02.0", null, false));
        assertThat(HOST.resetDomainMembers(bdf("0000:00:02.0"))).extracting(PciFunction::bdf).containsExactly(bdf("0000:00:02.0"));
        assertThat(HOST.hotResetAffected(bdf("0000:00:02.0"))).isEmpty();
    }

    @Test
    void rootPortsAreOnTheRootBusToo() {
        assertThat(HOST.resetDomainKey(bdf("0000:00:01.0"))).isEqualTo("root:0000:00:01.0");
        assertThat(HOST.resetDomainKey(bdf("0000:00:1c.0"))).isEqualTo("root:0000:00:1c.0");
    }

    @Test
    void functionBelowASlotResetBridgeIsInTheSlotDomain() {
        assertThat(HOST.resetDomain(bdf("0000:03:00.0")))
                .isEqualTo(new ResetDomain(ResetDomain.Kind.SLOT, "slot:0000:02:00.0", bdf("0000:02:00.0"), true));
        assertThat(HOST.hotResetAffected(bdf("0000:03:00.0"))).containsExactly(bdf("0000:03:00.0"));
    }

    @Test
    void slotResetIsPreferredOverBusResetAndReachesEverythingBelowThroughFurtherBridges() {
        assertThat(HOST.resetDomainKey(bdf("0000:01:00.0"))).isEqualTo("slot:0000:00:01.0");
        assertThat(HOST.hotResetAffected(bdf("0000:01:00.0"))).extracting(Bdf::toString).containsExactly(
                "0000:01:00.0", "0000:02:00.0", "0000:02:01.0", "0000:03:00.0", "0000:04:00.0", "0000:04:00.1");
    }

    @Test
    void functionsBelowABusResetBridgeShareTheBusDomainAndItsHotReset() {
        assertThat(HOST.resetDomain(bdf("0000:04:00.0")))
                .isEqualTo(new ResetDomain(ResetDomain.Kind.BUS, "bus:0000:04", bdf("0000:02:01.0"), true));
        assertThat(HOST.resetDomainKey(bdf("0000:04:00.1"))).isEqualTo("bus:0000:04");
        assertThat(HOST.hotResetAffected(bdf("0000:04:00.1"))).containsExactly(bdf("0000:04:00.0"), bdf("0000:04:00.1"));
        assertThat(HOST.resetDomainMembers(bdf("0000:04:00.0"))).extracting(PciFunction::bdf)
                .containsExactly(bdf("0000:04:00.0"), bdf("0000:04:00.1"));
    }

    @Test
    void busWithoutAnyResetIsStillOneDomainButHasNoHotReset() {
        assertThat(HOST.resetDomain(bdf("0000:06:00.0")))
                .isEqualTo(new ResetDomain(ResetDomain.Kind.BUS, "bus:0000:06", bdf("0000:00:1d.0"), false));
        assertThat(HOST.resetDomainMembers(bdf("0000:06:00.1"))).hasSize(2);
        assertThat(HOST.hotResetAffected(bdf("0000:06:00.1"))).isEmpty();
    }

    @Test
    void virtualFunctionsShareTheirPhysicalFunctionsBusDomain() {
        assertThat(HOST.resetDomainKey(bdf("0000:05:00.2"))).isEqualTo("bus:0000:05");
        assertThat(HOST.hotResetAffected(bdf("0000:05:00.2")))
                .containsExactly(bdf("0000:05:00.0"), bdf("0000:05:00.2"), bdf("0000:05:00.3"));
    }

    @Test
    void onlyDmaApiDriversHoldDmaOwnership() {
        assertThat(function("0000:00:02.0").holdsDmaOwnership()).as("i915").isTrue();
        assertThat(function("0000:04:00.1").holdsDmaOwnership()).as("tg3").isTrue();
        assertThat(function("0000:05:00.0").holdsDmaOwnership()).as("mlx5_core").isTrue();
        assertThat(function("0000:03:00.0").holdsDmaOwnership()).as("vfio-pci").isFalse();
        assertThat(function("0000:00:01.0").holdsDmaOwnership()).as("pcieport").isFalse();
        assertThat(function("0000:05:00.3").holdsDmaOwnership()).as("pci-stub").isFalse();
        assertThat(function("0000:06:00.0").holdsDmaOwnership()).as("no driver").isFalse();
    }

    @Test
    void groupIsViableUnlessAMemberHoldsDmaOwnership() {
        assertThat(HOST.iommuGroupViable(5)).isTrue();
        assertThat(HOST.iommuGroupViable(6)).isFalse();
        assertThat(HOST.iommuGroupViable(12)).isTrue();
        assertThat(HOST.iommuGroupViable(99)).as("unknown group").isFalse();
    }

    @Test
    void iommuGroupsAndTheirMembers() {
        assertThat(HOST.iommuGroups()).containsExactly(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12);
        assertThat(HOST.iommuGroupMembers(6)).extracting(PciFunction::bdf).containsExactly(bdf("0000:04:00.0"), bdf("0000:04:00.1"));
        assertThat(HOST.iommuGroupMembers(99)).isEmpty();
    }

    @Test
    void functionWithoutGroupOnVfioIsANoiommuCandidate() {
        assertThat(function("0000:06:00.1").isNoiommuCandidate()).isTrue();
        assertThat(function("0000:06:00.0").isNoiommuCandidate()).isFalse();
        assertThat(function("0000:03:00.0").isNoiommuCandidate()).isFalse();
    }

    @Test
    void virtualFunctionsOfAPhysicalFunction() {
        assertThat(HOST.virtualFunctions(bdf("0000:05:00.0"))).extracting(PciFunction::bdf)
                .containsExactly(bdf("0000:05:00.2"), bdf("0000:05:00.3"));
        assertThat(HOST.virtualFunctions(bdf("0000:03:00.0"))).isEmpty();
        assertThat(function("0000:05:00.2").isVirtualFunction()).isTrue();
    }

    @Test
    void childrenAreDirectAndBelowIsTransitive() {
        assertThat(HOST.childrenOf(bdf("0000:01:00.0"))).extracting(PciFunction::bdf)
                .containsExactly(bdf("0000:02:00.0"), bdf("0000:02:01.0"));
        assertThat(HOST.below(bdf("0000:01:00.0"))).hasSize(5);
        assertThat(HOST.below(bdf("0000:03:00.0"))).isEmpty();
    }

    @Test
    void bridgesAreRecognisedByClass() {
        assertThat(function("0000:02:00.0").isBridge()).isTrue();
        assertThat(function("0000:03:00.0").isBridge()).isFalse();
    }

    @Test
    void lookupOfAnUnknownFunctionIsEmptyAndQueriesAboutItAreRefused() {
        assertThat(HOST.function(bdf("0000:7f:00.0"))).isEmpty();
        assertThatThrownBy(() -> HOST.resetDomain(bdf("0000:7f:00.0")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("0000:7f:00.0");
    }

    @Test
    void everyFunctionIsFoundByItsBdf() {
        for (PciFunction function : HOST.functions()) {
            assertThat(HOST.function(function.bdf())).contains(function);
        }
    }

    @Test
    void emulatedDeviceLookupByName() {
        HostTopology topology = TopologyLoader.parse("hostname: h\nemulatedDevices: [{name: mtty-0, type: mtty}]\n", "t");

        assertThat(topology.emulatedDevice("mtty-0")).contains(new EmulatedDeviceSpec("mtty-0", "mtty", null, false));
        assertThat(topology.emulatedDevice("mtty-1")).isEmpty();
    }

    @Test
    void listsAreImmutable() {
        assertThatThrownBy(() -> HOST.functions().clear()).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> HOST.emulatedDevices().clear()).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void constructedDirectlyTheSameRulesApplyWithIndexesOfTheGivenList() {
        PciFunction nic = function("0000:04:00.0");

        assertThatThrownBy(() -> new HostTopology("h", HOST.kernel(), List.of(nic), List.of()))
                .isInstanceOfSatisfying(TopologyException.class, error -> {
                    assertThat(error.field()).isEqualTo("devices[0].upstreamBridge");
                    assertThat(error.line()).isZero();
                    assertThat(error.source()).isNull();
                });
    }

    private static PciFunction function(String text) {
        return HOST.function(bdf(text)).orElseThrow();
    }

    private static Bdf bdf(String text) {
        return Bdf.parse(text);
    }
}
