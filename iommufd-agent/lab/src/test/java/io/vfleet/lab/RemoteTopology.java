package io.vfleet.lab;

import io.vfleet.api.agent.v1.GetTopologyResponse;
import io.vfleet.engine.IovaRange;
import io.vfleet.engine.KernelConfig;
import io.vfleet.engine.KernelProfile;
import io.vfleet.engine.topology.Bdf;
import io.vfleet.engine.topology.HostTopology;
import io.vfleet.engine.topology.IommuFacts;
import io.vfleet.engine.topology.PciFunction;
import io.vfleet.engine.topology.PciId;
import io.vfleet.engine.topology.ReservedRegion;
import io.vfleet.engine.topology.ResetCapabilities;
import java.util.List;

/** The topology an agent answers with {@code GetTopology}, as the engine's {@link HostTopology}, to boot the same host. */
final class RemoteTopology {
    private RemoteTopology() {
    }

    static HostTopology of(GetTopologyResponse response) {
        var kernel = response.getKernel();
        KernelConfig config = new KernelConfig(KernelProfile.ofLabel(kernel.getProfile()), kernel.getVfioGroup(),
                kernel.getVfioContainer(), kernel.getIommufdVfioContainer(), kernel.getVfioDeviceCdev(),
                kernel.getUnsafeNoiommuMode(), !kernel.hasIommufd() || kernel.getIommufd());
        List<PciFunction> functions = response.getFunctionsList().stream().map(function -> new PciFunction(
                Bdf.parse(function.getBdf()),
                new PciId(function.getVendorId(), function.getDeviceId(), function.getClassCode()),
                function.getDriver().isEmpty() ? null : function.getDriver(),
                function.hasIommuGroup() ? function.getIommuGroup() : null,
                function.getUpstreamBridge().isEmpty() ? null : Bdf.parse(function.getUpstreamBridge()),
                function.getPhysfn().isEmpty() ? null : Bdf.parse(function.getPhysfn()),
                new ResetCapabilities(function.getFunctionReset(), function.getSecondaryBusReset(), function.getSlotReset()),
                iommu(function.getIommu()))).toList();
        return new HostTopology(response.getHostname(), config, functions, List.of());
    }

    private static IommuFacts iommu(io.vfleet.api.agent.v1.IommuFacts facts) {
        return new IommuFacts(new IovaRange(facts.getAperture().getStart(), facts.getAperture().getLast()),
                facts.getReservedRegionsList().stream().map(region -> new ReservedRegion(
                        new IovaRange(region.getRange().getStart(), region.getRange().getLast()),
                        ReservedRegion.Type.ofSysfsName(region.getType()))).toList(),
                facts.getPageSizeBitmap(), facts.getCacheCoherent(), facts.getMsiIsolated(), facts.getRequiresKvm(),
                facts.hasEnforceCacheCoherency() ? facts.getEnforceCacheCoherency() : facts.getCacheCoherent());
    }
}
