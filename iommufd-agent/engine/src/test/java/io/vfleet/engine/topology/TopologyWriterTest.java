package io.vfleet.engine.topology;

import static org.assertj.core.api.Assertions.assertThat;

import io.vfleet.engine.IovaRange;
import io.vfleet.engine.KernelConfig;
import io.vfleet.engine.KernelProfile;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

class TopologyWriterTest {
    private static final PciId NIC = new PciId(0x8086, 0x1533, 0x020000);

    @Test
    void writesTheKernelAndEveryFieldOfADeviceThatIsNotItsDefault() {
        HostTopology topology = new HostTopology("h1", new KernelConfig(KernelProfile.LINUX_6_6, false, false, false, true, true),
                List.of(new PciFunction(Bdf.parse("0000:00:01.0"), new PciId(0x8086, 0x1901, 0x060400), "pcieport", 1, null, null,
                                new ResetCapabilities(false, true, true), IommuFacts.DEFAULTS),
                        new PciFunction(Bdf.parse("0000:01:00.0"), NIC, null, null, Bdf.parse("0000:00:01.0"), null,
                                ResetCapabilities.NONE, IommuFacts.DEFAULTS)),
                List.of(new EmulatedDeviceSpec("gvt-0", "gvt", Bdf.parse("0000:00:01.0"), true)));

        assertThat(TopologyWriter.write(topology)).isEqualTo("""
                hostname: h1
                kernel:
                  profile: linux-6.6
                  vfioGroup: false
                  vfioContainer: false
                  iommufdVfioContainer: false
                  vfioDeviceCdev: true
                  unsafeNoiommuMode: true
                devices:
                  - bdf: 0000:00:01.0
                    id: {vendor: 0x8086, device: 0x1901, class: 0x060400}
                    driver: pcieport
                    iommuGroup: 1
                    reset: {secondaryBusReset: true, slotReset: true}
                  - bdf: 0000:01:00.0
                    id: {vendor: 0x8086, device: 0x1533, class: 0x020000}
                    upstreamBridge: 0000:00:01.0
                emulatedDevices:
                  - {name: gvt-0, type: gvt, parent: 0000:00:01.0, requiresKvm: true}
                """);
    }

    @Test
    void factsSharedByMostFunctionsBecomeHostDefaultsAndOthersListOnlyTheirDifferences() {
        IommuFacts amd = IommuFacts.DEFAULTS.withReservedRegions(List.of(ReservedRegion.X86_MSI,
                new ReservedRegion(new IovaRange(0xfd_0000_0000L, 0xff_ffff_ffffL), ReservedRegion.Type.RESERVED)));
        HostTopology topology = new HostTopology("h1", KernelConfig.defaults(KernelProfile.V11), List.of(
                endpoint("0000:00:02.0", amd), endpoint("0000:00:03.0", amd), endpoint("0000:00:04.0", amd.withCacheCoherent(false))),
                List.of());

        String written = TopologyWriter.write(topology);

        assertThat(written).contains("""
                defaults:
                  iommu:
                    reservedRegions:
                      - {start: 0xfee00000, last: 0xfeefffff, type: msi}
                      - {start: 0xfd00000000, last: 0xffffffffff, type: reserved}
                devices:
                """);
        assertThat(written).containsOnlyOnce("    iommu:\n      cacheCoherent: false\n");
        assertThat(TopologyLoader.parse(written, "written")).isEqualTo(topology);
    }

    @Test
    void emptyHostWritesAnEmptyDeviceList() {
        HostTopology topology = new HostTopology("empty", KernelConfig.defaults(KernelProfile.V11), List.of(), List.of());

        assertThat(TopologyWriter.write(topology)).endsWith("devices: []\n");
        assertThat(TopologyLoader.parse(TopologyWriter.write(topology), "written")).isEqualTo(topology);
    }

    @Test
    void scalarsThatWouldReadAsSomethingElseAreQuoted() {
        assertThat(TopologyWriter.scalar("vfio-pci")).isEqualTo("vfio-pci");
        assertThat(TopologyWriter.scalar("0000:3b:00.0")).isEqualTo("0000:3b:00.0");
        assertThat(TopologyWriter.scalar("true")).isEqualTo("\"true\"");
        assertThat(TopologyWriter.scalar("0x10")).isEqualTo("\"0x10\"");
        assertThat(TopologyWriter.scalar("~")).isEqualTo("\"~\"");
        assertThat(TopologyWriter.scalar("")).isEqualTo("\"\"");
        assertThat(TopologyWriter.scalar("a: b # c")).isEqualTo("\"a: b # c\"");
        assertThat(TopologyWriter.scalar("say \"hi\"\\\n")).isEqualTo("\"say \\\"hi\\\"\\\\\\n\"");
    }

    @Property
    void quotedScalarsReadBackAsTheSameText(@ForAll String text) {
        YamlNode.Mapping read = (YamlNode.Mapping) YamlReader.read("key: " + TopologyWriter.scalar(text) + "\n", "t");

        assertThat(((YamlNode.Scalar) read.get("key")).text()).isEqualTo(text);
    }

    @Property
    void anyIommuFactsRoundTrip(@ForAll("iommuFacts") IommuFacts first, @ForAll("iommuFacts") IommuFacts second) {
        HostTopology topology = new HostTopology("h1", KernelConfig.defaults(KernelProfile.V11),
                List.of(endpoint("0000:00:02.0", first), endpoint("0000:00:03.0", second), endpoint("0000:00:04.0", second)),
                List.of());

        assertThat(TopologyLoader.parse(TopologyWriter.write(topology), "written")).isEqualTo(topology);
    }

    @Provide
    Arbitrary<IommuFacts> iommuFacts() {
        Arbitrary<IovaRange> ranges = Arbitraries.longs().tuple2()
                .map(pair -> Long.compareUnsigned(pair.get1(), pair.get2()) <= 0
                        ? new IovaRange(pair.get1(), pair.get2()) : new IovaRange(pair.get2(), pair.get1()));
        Arbitrary<ReservedRegion> regions = Combinators.combine(ranges, Arbitraries.of(ReservedRegion.Type.class))
                .as(ReservedRegion::new);
        Arbitrary<Long> bitmaps = Arbitraries.longs().filter(bitmap -> bitmap != 0);
        return Combinators.combine(ranges, regions.list().ofMaxSize(3), bitmaps,
                        Arbitraries.of(true, false), Arbitraries.of(true, false), Arbitraries.of(true, false))
                .as(IommuFacts::new);
    }

    private static PciFunction endpoint(String bdf, IommuFacts iommu) {
        return new PciFunction(Bdf.parse(bdf), NIC, "vfio-pci", 7, null, null,
                ResetCapabilities.FUNCTION_RESET, iommu);
    }
}
