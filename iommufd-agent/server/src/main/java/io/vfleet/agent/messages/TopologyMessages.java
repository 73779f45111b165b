package io.vfleet.agent.messages;

import io.vfleet.agent.kernel.HostKernel;
import io.vfleet.agent.kernel.RegisteredDevice;
import io.vfleet.api.agent.v1.EmulatedDevice;
import io.vfleet.api.agent.v1.GetTopologyResponse;
import io.vfleet.api.agent.v1.IommuFacts;
import io.vfleet.api.agent.v1.KernelConfig;
import io.vfleet.api.agent.v1.PciFunction;
import io.vfleet.api.agent.v1.ReservedRegion;
import io.vfleet.api.agent.v1.VfioDevice;
import io.vfleet.engine.IovaRange;
import io.vfleet.engine.KernelProfile;
import io.vfleet.engine.topology.Bdf;
import io.vfleet.engine.topology.EmulatedDeviceSpec;
import io.vfleet.engine.topology.HostTopology;
import io.vfleet.engine.topology.PciId;
import io.vfleet.engine.topology.ResetCapabilities;
import io.vfleet.engine.topology.ResetDomain;
import io.vfleet.engine.topology.TopologyException;
import java.util.ArrayList;
import java.util.List;

/**
 * A host's topology as {@code GetTopologyResponse}, both ways: what {@code NodeAgent.GetTopology}
 * answers (with the registered vfio devices), and how the journal's base keeps the simulated host's
 * topology. Reading one back uses what the topology records hold and ignores what is derived from
 * them (reset domains, vfio devices); a message they refuse is a {@link TopologyException} naming the
 * field.
 */
public final class TopologyMessages {
    private TopologyMessages() {
    }

    /** The topology read at start, and the vfio devices the kernel has registered now. */
    public static GetTopologyResponse of(HostKernel host) {
        GetTopologyResponse.Builder response = of(host.topology()).toBuilder();
        for (RegisteredDevice device : host.vfioDevices()) {
            response.addVfioDevices(VfioDevice.newBuilder()
                    .setName(device.name())
                    .setKind(device.kind().name())
                    .setCdevPath(device.cdevPath())
                    .setGroupPath(device.groupPath()));
        }
        return response.build();
    }

    /** The topology alone: kernel configuration, PCI functions with their reset domains, emulated devices. */
    public static GetTopologyResponse of(HostTopology topology) {
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
        return response.build();
    }

    /** The topology {@code message} describes, as {@link #of(HostTopology)} wrote it. */
    public static HostTopology toEngine(GetTopologyResponse message) {
        KernelConfig kernel = message.getKernel();
        io.vfleet.engine.KernelConfig config;
        try {
            config = new io.vfleet.engine.KernelConfig(profile(kernel.getProfile()), kernel.getVfioGroup(),
                    kernel.getVfioContainer(), kernel.getIommufdVfioContainer(), kernel.getVfioDeviceCdev(),
                    kernel.getUnsafeNoiommuMode(), !kernel.hasIommufd() || kernel.getIommufd());
        } catch (IllegalArgumentException refused) {
            throw new TopologyException("kernel", refused.getMessage());
        }
        List<io.vfleet.engine.topology.PciFunction> functions = new ArrayList<>();
        for (int index = 0; index < message.getFunctionsCount(); index++) {
            PciFunction function = message.getFunctions(index);
            try {
                functions.add(new io.vfleet.engine.topology.PciFunction(Bdf.parse(function.getBdf()),
                        new PciId(function.getVendorId(), function.getDeviceId(), function.getClassCode()),
                        function.getDriver().isEmpty() ? null : function.getDriver(),
                        function.hasIommuGroup() ? function.getIommuGroup() : null,
                        bdfOrNull(function.getUpstreamBridge()), bdfOrNull(function.getPhysfn()),
                        new ResetCapabilities(function.getFunctionReset(), function.getSecondaryBusReset(), function.getSlotReset()),
                        iommu(function.getIommu())));
            } catch (TopologyException refused) {
                throw refused.within("devices[" + index + "]");
            }
        }
        List<EmulatedDeviceSpec> emulated = new ArrayList<>();
        for (int index = 0; index < message.getEmulatedDevicesCount(); index++) {
            EmulatedDevice device = message.getEmulatedDevices(index);
            try {
                emulated.add(new EmulatedDeviceSpec(device.getName(), device.getType(), bdfOrNull(device.getParent()),
                        device.getRequiresKvm()));
            } catch (TopologyException refused) {
                throw refused.within("emulatedDevices[" + index + "]");
            }
        }
        return new HostTopology(message.getHostname(), config, functions, emulated);
    }

    private static KernelProfile profile(String label) {
        for (KernelProfile profile : KernelProfile.values()) {
            if (profile.label().equals(label)) {
                return profile;
            }
        }
        throw new TopologyException("kernel.profile", "'" + label + "' is not a kernel profile");
    }

    private static Bdf bdfOrNull(String text) {
        return text.isEmpty() ? null : Bdf.parse(text);
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

    private static io.vfleet.engine.topology.IommuFacts iommu(IommuFacts message) {
        List<io.vfleet.engine.topology.ReservedRegion> regions = new ArrayList<>();
        for (ReservedRegion region : message.getReservedRegionsList()) {
            regions.add(new io.vfleet.engine.topology.ReservedRegion(range(region.getRange()),
                    io.vfleet.engine.topology.ReservedRegion.Type.ofSysfsName(region.getType())));
        }
        return new io.vfleet.engine.topology.IommuFacts(range(message.getAperture()), regions, message.getPageSizeBitmap(),
                message.getCacheCoherent(), message.getMsiIsolated(), message.getRequiresKvm(),
                message.hasEnforceCacheCoherency() ? message.getEnforceCacheCoherency() : message.getCacheCoherent());
    }

    private static IovaRange range(io.vfleet.api.agent.v1.IovaRange range) {
        try {
            return new IovaRange(range.getStart(), range.getLast());
        } catch (IllegalArgumentException refused) {
            throw new TopologyException("iova range", refused.getMessage());
        }
    }
}
