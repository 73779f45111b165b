package io.vfleet.agent.vmm;

import io.vfleet.agent.kernel.AgentHost;
import io.vfleet.agent.kernel.Syscall;
import io.vfleet.agent.vmm.AssignmentRefused.Reason;
import io.vfleet.engine.Host;
import io.vfleet.engine.KernelException;
import io.vfleet.engine.process.ProcessSpec;
import io.vfleet.engine.topology.Bdf;
import io.vfleet.engine.topology.TopologyException;
import io.vfleet.engine.uapi.Ioctl;
import io.vfleet.engine.vfio.VfioDevice;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node operations of the control plane, each done as a VMM does it on this host: Prepare starts
 * a process per assignment that opens {@code /dev/iommu}, allocates an IOAS, and for each device opens
 * its cdev, adds it to the VM's KVM-VFIO device (before the bind, KERNEL.md §14.1), binds and attaches
 * it; Release scrubs and exits that process; HotReset resets through the process's own files.
 *
 * <p>Every operation checks the caller's fencing epoch first: one older than the highest seen for the
 * assignment is refused, and the highest is remembered even after a release. Prepare is idempotent by
 * assignment id and all-or-nothing: a refusal on any device exits the process, which closes every
 * file it opened and so undoes every bind and attach.
 *
 * <p>The kernel calls of an operation are recorded as they are made and its table entry after them, in
 * one journal, and the answer is sent once they are on disk. A crash keeps a prefix of that journal:
 * the calls of a Prepare without its entry leave a process the table does not know (exited at the next
 * start), and the exit of a Release without its entry leaves an entry whose process is gone (marked
 * released); {@link #reconcile()} converges both. Operations are serialised by this object's monitor,
 * which is never held while waiting for the disk.
 */
public final class Preparations {
    private static final Logger log = LoggerFactory.getLogger(Preparations.class);
    static final String PROCESS_PREFIX = "vmm-";
    /** Tenants' VMMs run as uids from here on, one per tenant, so USER-mode pinning is charged per tenant. */
    static final int FIRST_TENANT_UID = 100_000;
    private static final int O_RDWR = 2;

    private final AgentHost host;
    private final AssignmentTable table;
    private final Map<String, Integer> tenantUids = new TreeMap<>();
    private final Map<String, Assignment> assignments = new LinkedHashMap<>();

    public Preparations(AgentHost host, AssignmentTable table) {
        this.host = host;
        this.table = table;
        AssignmentTable.Content content = table.load();
        tenantUids.putAll(content.tenantUids());
        content.assignments().forEach(assignment -> assignments.put(assignment.id(), assignment));
    }

    public synchronized Prepared prepare(PrepareOrder order) {
        requireId(order.assignmentId());
        if (order.tenant().isBlank()) {
            throw new AssignmentRefused(Reason.INVALID_ORDER, "", "tenant: must not be empty");
        }
        List<String> devices = canonicalDevices(order.devices());
        Assignment seen = checkEpoch(order.assignmentId(), order.epoch());
        if (seen != null && seen.holdsDevices()) {
            if (!seen.tenant().equals(order.tenant()) || !seen.devices().equals(devices) || seen.withKvm() != order.withKvm()) {
                throw new AssignmentRefused(Reason.ASSIGNMENT_CONFLICT, "", "assignment " + order.assignmentId()
                        + " is prepared for tenant " + seen.tenant() + " with " + seen.devices()
                        + (seen.withKvm() ? " and KVM" : "") + "; release it before preparing it differently");
            }
            remember(seen.withEpoch(order.epoch()));
            return seen.prepared();
        }
        Prepared prepared;
        try {
            prepared = startVmm(order, devices, cdevPaths(devices));
        } catch (AssignmentRefused refused) {
            remember(seen == null ? new Assignment(order.assignmentId(), order.tenant(), devices, order.withKvm(), order.epoch(), null)
                    : seen.withEpoch(order.epoch()));
            throw refused;
        }
        remember(new Assignment(order.assignmentId(), order.tenant(), devices, order.withKvm(), order.epoch(), prepared));
        return prepared;
    }

    public synchronized Released release(ReleaseOrder order) {
        requireId(order.assignmentId());
        Assignment seen = checkEpoch(order.assignmentId(), order.epoch());
        if (seen == null || !seen.holdsDevices()) {
            remember(seen == null ? new Assignment(order.assignmentId(), "", List.of(), false, order.epoch(), null)
                    : seen.withEpoch(order.epoch()));
            return new Released(false, List.of(), List.of());
        }
        Prepared prepared = seen.prepared();
        List<String> functionReset = new ArrayList<>();
        List<String> leftToSetReset = new ArrayList<>();
        if (order.reset()) {
            for (Prepared.Device device : prepared.devices()) {
                (scrub(prepared.pid(), device) ? functionReset : leftToSetReset).add(device.bdf());
            }
        }
        exitQuietly(prepared.pid());
        remember(seen.withEpoch(order.epoch()).released());
        return new Released(true, functionReset, leftToSetReset);
    }

    /** Hot reset of {@code device}'s reset set through the assignment's files; returns the functions reset. */
    public synchronized List<String> hotReset(HotResetOrder order) {
        requireId(order.assignmentId());
        Assignment seen = checkEpoch(order.assignmentId(), order.epoch());
        if (seen != null) {
            remember(seen.withEpoch(order.epoch()));
        }
        if (seen == null || !seen.holdsDevices()) {
            throw new AssignmentRefused(Reason.NOT_PREPARED, "", "nothing is prepared under " + order.assignmentId());
        }
        String bdf = canonicalDevices(List.of(order.device())).getFirst();
        Prepared.Device device = seen.prepared().device(bdf);
        if (device == null) {
            throw new AssignmentRefused(Reason.DEVICE_NOT_IN_ASSIGNMENT, bdf, bdf + " is not a device of assignment "
                    + order.assignmentId() + " " + seen.devices());
        }
        int pid = seen.prepared().pid();
        try {
            Ioctl.VfioDeviceGetPciHotResetInfo.Reply info = hotResetInfo(pid, device);
            host.call(new Syscall.IoctlCall<>(pid, device.fd(), Ioctl.VfioDevicePciHotReset.of(List.of())));
            return info.devices().stream()
                    .map(entry -> new Bdf(entry.segment(), entry.bus(), entry.devfn() >> 3, entry.devfn() & 7).toString())
                    .toList();
        } catch (KernelException refused) {
            throw new AssignmentRefused(bdf, "hot reset", refused);
        }
    }

    /** The prepared assignments, in the order they were first seen. */
    public synchronized List<Assignment> prepared() {
        return assignments.values().stream().filter(Assignment::holdsDevices).toList();
    }

    /**
     * Makes the table and the host agree after a restart: an entry whose process is gone is marked
     * released, and a VMM process no entry owns (its Prepare was cut short) is exited.
     */
    public synchronized void reconcile() {
        Set<Integer> owned = new HashSet<>();
        Map<Integer, String> vmmProcesses = host.inspect(Preparations::vmmProcesses);
        for (Assignment assignment : List.copyOf(assignments.values())) {
            if (!assignment.holdsDevices()) {
                continue;
            }
            if (vmmProcesses.containsKey(assignment.prepared().pid())) {
                owned.add(assignment.prepared().pid());
            } else {
                log.warn("Assignment {} lost its process {}; marking it released", assignment.id(), assignment.prepared().pid());
                remember(assignment.released());
            }
        }
        for (var process : vmmProcesses.entrySet()) {
            if (!owned.contains(process.getKey())) {
                log.warn("Process {} ({}) belongs to no prepared assignment; exiting it", process.getKey(), process.getValue());
                exitQuietly(process.getKey());
            }
        }
    }

    private Prepared startVmm(PrepareOrder order, List<String> devices, Map<String, String> cdevPaths) {
        Integer known = tenantUids.get(order.tenant());
        int uid = known != null ? known : FIRST_TENANT_UID + tenantUids.size();
        if (known == null) {
            tenantUids.put(order.tenant(), uid);
            table.putTenantUid(order.tenant(), uid);
        }
        int pid = host.call(new Syscall.Spawn(new ProcessSpec(PROCESS_PREFIX + order.assignmentId(), uid, Set.of(),
                ProcessSpec.UNLIMITED)));
        String current = "";
        String step = "start";
        try {
            int vmFd = -1;
            int kvmDevice = -1;
            if (order.withKvm()) {
                step = "KVM_CREATE_VM";
                int kvm = host.call(new Syscall.Open(pid, "/dev/kvm", O_RDWR));
                vmFd = host.call(new Syscall.IoctlCall<>(pid, kvm, new Ioctl.KvmCreateVm(0))).fd();
                step = "KVM_CREATE_DEVICE";
                kvmDevice = host.call(new Syscall.IoctlCall<>(pid, vmFd,
                        new Ioctl.KvmCreateDevice(Ioctl.KvmCreateDevice.KVM_DEV_TYPE_VFIO, 0))).fd();
            }
            step = "open /dev/iommu";
            int iommufd = host.call(new Syscall.Open(pid, "/dev/iommu", O_RDWR));
            step = "IOMMU_IOAS_ALLOC";
            int ioas = host.call(new Syscall.IoctlCall<>(pid, iommufd, Ioctl.IommuIoasAlloc.of())).outIoasId();
            List<Prepared.Device> prepared = new ArrayList<>();
            for (String bdf : devices) {
                current = bdf;
                step = "open " + cdevPaths.get(bdf);
                int fd = host.call(new Syscall.Open(pid, cdevPaths.get(bdf), O_RDWR));
                if (order.withKvm()) {
                    step = "KVM_DEV_VFIO_FILE_ADD";
                    host.call(new Syscall.IoctlCall<>(pid, kvmDevice, Ioctl.KvmSetDeviceAttr.fileAdd(fd)));
                }
                step = "VFIO_DEVICE_BIND_IOMMUFD";
                int devid = host.call(new Syscall.IoctlCall<>(pid, fd, Ioctl.VfioDeviceBindIommufd.of(iommufd))).outDevid();
                step = "VFIO_DEVICE_ATTACH_IOMMUFD_PT";
                int hwpt = host.call(new Syscall.IoctlCall<>(pid, fd, Ioctl.VfioDeviceAttachIommufdPt.of(ioas))).ptId();
                prepared.add(new Prepared.Device(bdf, cdevPaths.get(bdf), fd, devid, hwpt));
            }
            return new Prepared(pid, iommufd, ioas, vmFd, kvmDevice, prepared);
        } catch (KernelException refused) {
            exitQuietly(pid);
            throw new AssignmentRefused(current, step, refused);
        }
    }

    /** VFIO_DEVICE_RESET when GET_INFO says a function reset works; false when it is left to the set reset. */
    private boolean scrub(int pid, Prepared.Device device) {
        try {
            var info = host.call(new Syscall.IoctlCall<>(pid, device.fd(), Ioctl.VfioDeviceGetInfo.of()));
            if ((info.flags() & Ioctl.VfioDeviceGetInfo.FLAGS_RESET) == 0) {
                return false;
            }
            host.call(new Syscall.IoctlCall<>(pid, device.fd(), new Ioctl.VfioDeviceReset()));
            return true;
        } catch (KernelException refused) {
            log.warn("Function reset of {} refused ({}); leaving it to the reset of its set on release",
                    device.bdf(), refused.getMessage());
            return false;
        }
    }

    /** The kernel's two-call protocol: learn the count from ENOSPC, then ask with room for all of them. */
    private Ioctl.VfioDeviceGetPciHotResetInfo.Reply hotResetInfo(int pid, Prepared.Device device) {
        try {
            return host.call(new Syscall.IoctlCall<>(pid, device.fd(), Ioctl.VfioDeviceGetPciHotResetInfo.withRoomFor(0)));
        } catch (KernelException tooSmall) {
            if (!(tooSmall.partialReply() instanceof Ioctl.VfioDeviceGetPciHotResetInfo.Reply header)) {
                throw tooSmall;
            }
            return host.call(new Syscall.IoctlCall<>(pid, device.fd(),
                    Ioctl.VfioDeviceGetPciHotResetInfo.withRoomFor(header.count())));
        }
    }

    private void exitQuietly(int pid) {
        try {
            host.call(new Syscall.Exit(pid));
        } catch (KernelException gone) {
            log.debug("Process {} was already gone: {}", pid, gone.getMessage());
        }
    }

    private Assignment checkEpoch(String id, long epoch) {
        Assignment seen = assignments.get(id);
        if (seen != null && Long.compareUnsigned(epoch, seen.epoch()) < 0) {
            throw new AssignmentRefused(Reason.STALE_EPOCH, "", "epoch " + Long.toUnsignedString(epoch)
                    + " is older than " + Long.toUnsignedString(seen.epoch()) + ", already seen for assignment " + id);
        }
        return seen;
    }

    private void remember(Assignment assignment) {
        if (!assignment.equals(assignments.put(assignment.id(), assignment))) {
            table.put(assignment);
        }
    }

    private Map<String, String> cdevPaths(List<String> devices) {
        return host.inspect(kernel -> {
            Map<String, String> paths = new LinkedHashMap<>();
            for (String bdf : devices) {
                VfioDevice device = kernel.vfioDevices().stream()
                        .filter(candidate -> candidate.name().equals(bdf)).findFirst().orElse(null);
                if (device == null || device.kind() == VfioDevice.Kind.EMULATED) {
                    String why = kernel.topology().function(Bdf.parse(bdf)).isPresent()
                            ? bdf + " is not bound to vfio-pci on this host" : "this host has no PCI function " + bdf;
                    throw new AssignmentRefused(Reason.UNKNOWN_DEVICE, bdf, why);
                }
                paths.put(bdf, "/dev/vfio/devices/" + device.cdevName());
            }
            return paths;
        });
    }

    private static Map<Integer, String> vmmProcesses(Host kernel) {
        Map<Integer, String> processes = new TreeMap<>();
        for (int pid : kernel.pids()) {
            String name = kernel.process(pid).spec().name();
            if (name.startsWith(PROCESS_PREFIX)) {
                processes.put(pid, name);
            }
        }
        return processes;
    }

    private static void requireId(String id) {
        if (id == null || id.isBlank()) {
            throw new AssignmentRefused(Reason.INVALID_ORDER, "", "assignment_id: must not be empty");
        }
    }

    private static List<String> canonicalDevices(List<String> devices) {
        if (devices.isEmpty()) {
            throw new AssignmentRefused(Reason.INVALID_ORDER, "", "devices: at least one device is needed");
        }
        List<String> canonical = new ArrayList<>();
        for (String text : devices) {
            String bdf;
            try {
                bdf = Bdf.parse(text).toString();
            } catch (TopologyException malformed) {
                throw new AssignmentRefused(Reason.INVALID_ORDER, text, "devices: " + malformed.reason());
            }
            if (canonical.contains(bdf)) {
                throw new AssignmentRefused(Reason.INVALID_ORDER, bdf, "devices: " + bdf + " is named twice");
            }
            canonical.add(bdf);
        }
        return canonical;
    }
}
