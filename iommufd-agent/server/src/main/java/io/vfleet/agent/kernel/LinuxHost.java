package io.vfleet.agent.kernel;

import io.vfleet.agent.topology.SysfsTopologyReader;
import io.vfleet.engine.topology.HostTopology;
import io.vfleet.engine.vfio.VfioDevice;
import io.vfleet.linux.LinuxKernel;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The real kernel of the host the agent runs on, through {@link LinuxKernel}: calls are made for real,
 * the topology is the one sysfs showed at start, and the vfio devices are read from sysfs each time
 * they are asked for, since an operator may bind or unbind one while the agent runs.
 *
 * <p>Nothing is saved: the kernel keeps its own state, and the processes' files live as long as the
 * agent; when it stops, they are closed, and the kernel releases every device they held.
 */
public final class LinuxHost implements HostKernel {
    private final LinuxKernel kernel;
    private final HostTopology topology;
    private final SysfsTopologyReader sysfs;
    private final ProcessGates gates = new ProcessGates();

    public LinuxHost(LinuxKernel kernel, HostTopology topology, SysfsTopologyReader sysfs) {
        this.kernel = kernel;
        this.topology = topology;
        this.sysfs = sysfs;
    }

    @Override
    public <R> R call(Syscall<R> call) {
        return gates.pass(call, () -> call.applyTo(kernel));
    }

    @Override
    public <T> T exclusively(int pid, Supplier<T> work) {
        return gates.exclusively(pid, work);
    }

    @Override
    public void save() {
    }

    @Override
    public void saveWithinDelay() {
    }

    @Override
    public HostTopology topology() {
        return topology;
    }

    @Override
    public List<RegisteredDevice> vfioDevices() {
        boolean noiommuCdev = topology.kernel().profile().noiommuCdev();
        return sysfs.vfioFunctions().stream().map(function -> {
            boolean noiommu = function.groupNode().startsWith("noiommu-");
            VfioDevice.Kind kind = noiommu ? VfioDevice.Kind.NOIOMMU : VfioDevice.Kind.PHYSICAL;
            boolean hasCdev = !function.cdevName().isEmpty() && (!noiommu || noiommuCdev);
            return new RegisteredDevice(function.bdf().toString(), kind, function.cdevName(),
                    hasCdev ? "/dev/vfio/devices/" + function.cdevName() : "",
                    function.groupNode().isEmpty() || !topology.kernel().vfioGroup() ? "" : "/dev/vfio/" + function.groupNode(),
                    topology.resetDomainKey(function.bdf()), false);
        }).toList();
    }

    /** A cdev file links to its node; a group's device fd is an anonymous inode named {@code [vfio-device]}. */
    @Override
    public List<Integer> vfioDeviceFiles(int pid) {
        return kernel.descriptorsOpenOn(pid, target -> target.startsWith("/dev/vfio/devices/") || target.equals("anon_inode:[vfio-device]"));
    }

    @Override
    public Map<Integer, String> processes() {
        return kernel.processes();
    }

    @Override
    public void close() {
        kernel.close();
    }
}
