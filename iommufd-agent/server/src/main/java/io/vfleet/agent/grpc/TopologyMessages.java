package io.vfleet.agent.grpc;

import io.vfleet.api.agent.v1.EmulatedDevice;
import io.vfleet.api.agent.v1.GetTopologyResponse;
import io.vfleet.api.agent.v1.IommuFacts;
import io.vfleet.api.agent.v1.KernelConfig;
import io.vfleet.api.agent.v1.PciFunction;
import io.vfleet.api.agent.v1.ReservedRegion;
import io.vfleet.api.agent.v1.VfioDevice;
import io.vfleet.agent.kernel.HostKernel;
import io.vfleet.agent.kernel.RegisteredDevice;
import io.vfleet.engine.topology.HostTopology;
import io.vfleet.engine.topology.ResetDomain;

/** The host's topology and its registered vfio devices as {@code GetTopologyResponse}. */
final class TopologyMessages {
    private TopologyMessages() {
    }

    /** The topology read at start, and the vfio devices registered now. */
    static GetTopologyResponse of(HostKernel host) {
        HostTopology topology = host.topology();
        io.vfleet.engine.KernelConfig kernel = topology.kernel();
        GetTopologyResponse.Builder response = GetTopologyResponse.newBuilder()
                .setHostname(topology.hostname())
                .setKernel(KernelConfig.newBuilder()
                        .setProfile(kernel.profile().label())
                        .setVfioGroup(kernel.vfioGroup())
                        .setVfioContainer(kernel.vfioContainer())
                        .setIommufdVfioContainer(kernel.iommufdVfioContainer())
                        .setVfioDeviceCdev(kernel.vfioDeviceCdev())
                        .setUnsafeNoiommuMode(kernel.unsafeNoiommuMode())
                        .setIommufd(kernel.iommufd()));
        for (io.vfleet.engine.topology.PciFunction function : topology.functions()) {
            ResetDomain domain = topology.resetDomain(function.bdf());
            PciFunction.Builder message = PciFunction.newBuilder()
                    .setBdf(function.bdf().toString())
                    .setVendorId(function.id().vendorId())
                    .setDeviceId(function.id().deviceId())
                    .setClassCode(function.id().classCode())
                    .setDriver(function.driver() == null ? "" : function.driver())
                    .setUpstreamBridge(function.upstreamBridge() == null ? "" : function.upstreamBridge().toString())
                    .setPhysfn(function.physfn() == null ? "" : function.physfn().toString())
                    .setFunctionReset(function.reset().functionReset())
                    .setSecondaryBusReset(function.reset().secondaryBusReset())
                    .setSlotReset(function.reset().slotReset())
                    .setResetDomain(domain.key())
                    .setHotResetSupported(domain.hotResetSupported())
                    .setIommu(iommu(function.iommu()));
            if (function.iommuGroup() != null) {
                message.setIommuGroup(function.iommuGroup());
            }
            response.addFunctions(message);
        }
        for (var emulated : topology.emulatedDevices()) {
            response.addEmulatedDevices(EmulatedDevice.newBuilder()
                    .setName(emulated.name())
                    .setType(emulated.type())
                    .setParent(emulated.parent() == null ? "" : emulated.parent().toString())
                    .setRequiresKvm(emulated.requiresKvm()));
        }
        for (RegisteredDevice device : host.vfioDevices()) {
            response.addVfioDevices(VfioDevice.newBuilder()
                    .setName(device.name())
                    .setKind(device.kind().name())
                    .setCdevPath(device.cdevPath())
                    .setGroupPath(device.groupPath()));
        }
        return response.build();
    }

    private static IommuFacts iommu(io.vfleet.engine.topology.IommuFacts facts) {
        IommuFacts.Builder message = IommuFacts.newBuilder()
                .setAperture(IoctlMessages.range(facts.aperture()))
                .setPageSizeBitmap(facts.pageSizeBitmap())
                .setCacheCoherent(facts.cacheCoherent())
                .setEnforceCacheCoherency(facts.enforceCacheCoherency())
                .setMsiIsolated(facts.msiIsolated())
                .setRequiresKvm(facts.requiresKvm());
        for (var region : facts.reservedRegions()) {
            message.addReservedRegions(ReservedRegion.newBuilder()
                    .setRange(IoctlMessages.range(region.range()))
                    .setType(region.type().sysfsName()));
        }
        return message.build();
    }
}
