package io.vfleet.agent.vmm;

import io.vfleet.agent.kernel.HostKernel;
import io.vfleet.agent.kernel.RegisteredDevice;
import io.vfleet.agent.kernel.Syscall;
import io.vfleet.agent.vmm.AssignmentRefused.Reason;
import io.vfleet.engine.KernelException;
import io.vfleet.engine.process.Capability;
import io.vfleet.engine.process.ProcessSpec;
import io.vfleet.engine.topology.Bdf;
import io.vfleet.engine.topology.TopologyException;
import io.vfleet.engine.uapi.Ioctl;
import io.vfleet.engine.vfio.VfioDevice;
import io.vfleet.engine.vfio.VfioDeviceFile;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node operations of the control plane, each done as a VMM does it on this host: Prepare starts
 * a process per assignment that opens {@code /dev/iommu}, allocates an IOAS, and for each device opens
 * its cdev, adds it to the VM's KVM-VFIO device (before the bind, KERNEL.md §14.1), binds and attaches
 * it; Release scrubs and exits that process; HotReset resets through the process's own files.
 *
 * <p>The VMM process gets the capabilities its devices need and no others: CAP_SYS_RAWIO exactly when
 * it opens a noiommu device, whose bind the kernel refuses without it (KERNEL.md §4.3, §11).
 *
 * <p>Reset sets (the controller is the authority on who may touch a device; this agent carries out
 * what it decided): a device without a function reset is reset with every vfio device of its set,
 * and the kernel does that only for one iommufd context that owns them all. The controller checks
 * that no other assignment holds a member, fences the set's free members in its database in the same
 * transaction, and names them in the call ({@code fenced}). HotReset then binds exactly those members
 * to the assignment's iommufd, resets and closes them again ({@link SetReset}); Release does the same,
 * before its exit, for each set whose devices have no function reset, so that their scrub is a reset
 * the agent saw succeed rather than one the kernel may or may not do on the last close; a set it
 * cannot reset that way is left to the kernel's reset on release, as reported.
 *
 * <p>Every operation checks the caller's fencing first, two numbers: the controller's term on this node,
 * which grows only when control of the node changes hands (another replica, or a restarted one, took it
 * over), against the newest term the node has seen in any call; then the call's epoch against the
 * newest seen for its assignment (remembered even after a release). So a controller that lost the node
 * cannot undo what its successor decided, and one controller's own concurrent calls, each with a fresh
 * epoch, may arrive in any order: two assignments' calls never fence each other. Every call raises the
 * node's term.
 *
 * <p>Each prepared assignment has a credential for the system calls of its VMM process
 * ({@link #scopeOf}); Release revokes it with the process. Prepare is idempotent by
 * assignment id and all-or-nothing: a refusal on any device exits the process, which closes every
 * file it opened and so undoes every bind and attach.
 *
 * <p>The kernel calls of an operation are recorded as they are made and its table entry after them, in
 * one journal, and the answer is sent once they are on disk. A crash keeps a prefix of that journal:
 * the calls of a Prepare without its entry leave a process the table does not know (exited at the next
 * start), the exit of a Release without its entry leaves an entry whose process is gone (marked
 * released), and a crash inside a set reset leaves fenced members open in the VMM process;
 * {@link #reconcile()} converges all three.
 *
 * <p>Concurrency: operations on independent devices run at the same time; what the kernel and the
 * table need serialised is serialised by locks, none held while waiting for the disk:
 * <ul>
 *   <li>an assignment's operations, one at a time (its lock, by id), so that its epoch check and what
 *   the operation then does and records are one step;
 *   <li>operations that touch the same IOMMU group or the same reset set, one at a time: each holds
 *   the locks of every group and set of the devices it opens, releases, resets or binds for a reset
 *   (its own and the fenced members), taken after the assignment's and in one order;
 *   <li>the table in memory (assignments, tenants' uids, the node's term) under {@link #state}, for
 *   the moment of a check or an update, so that a term raised or a uid handed out is one step;
 *   <li>{@link #reconcile()} alone, with no operation running.
 * </ul>
 * Locks are striped (a fixed array, chosen by hash): two keys may share a lock, which serialises more
 * than needed and never less. Order: operations before reconcile's exclusion, the assignment's lock,
 * the group and set locks by stripe number, the host's (per system call), {@link #state}.
 */
public final class Preparations {
    private static final Logger log = LoggerFactory.getLogger(Preparations.class);
    static final String PROCESS_PREFIX = "vmm-";
    /** Tenants' VMMs run as uids from here on, one per tenant, so USER-mode pinning is charged per tenant. */
    static final int FIRST_TENANT_UID = 100_000;
    private static final int O_RDWR = 2;
    static final String CDEV_DIRECTORY = "/dev/vfio/devices/";

    private final HostKernel host;
    private final AssignmentTable table;
    private final SetReset setReset;
    private final Map<String, Integer> tenantUids = new TreeMap<>();
    private final Map<String, Assignment> assignments = new LinkedHashMap<>();
    /** What each prepared assignment's credential reaches, by the credential's digest; rebuilt from the table on start. */
    private final Map<String, SyscallScope> byCredential = new java.util.concurrent.ConcurrentHashMap<>();
    /** Guarded by {@link #state}, as are {@link #assignments} and {@link #tenantUids}. */
    private long nodeTerm;
    private final Object state = new Object();
    private final ReentrantReadWriteLock operations = new ReentrantReadWriteLock();
    private final ReentrantLock[] assignmentLocks = stripes(64);
    private final ReentrantLock[] resourceLocks = stripes(256);

    public Preparations(HostKernel host, AssignmentTable table) {
        this(host, table, Checkpoints.NONE);
    }

    /** An agent whose operations report the points of {@link Checkpoints} as they pass them. */
    public Preparations(HostKernel host, AssignmentTable table, Checkpoints checkpoints) {
        this.host = host;
        this.table = table;
        this.setReset = new SetReset(host, checkpoints);
        AssignmentTable.Content content = table.load();
        synchronized (state) {
            tenantUids.putAll(content.tenantUids());
            nodeTerm = content.nodeTerm();
            content.assignments().forEach(assignment -> {
                assignments.put(assignment.id(), assignment);
                indexCredential(assignment);
            });
        }
    }

    public Prepared prepare(PrepareOrder order) {
        requireId(order.assignmentId());
        if (order.tenant().isBlank()) {
            throw new AssignmentRefused(Reason.INVALID_ORDER, "", "tenant: must not be empty");
        }
        List<String> devices = canonicalDevices("devices", order.devices(), true);
        return serialised(order.assignmentId(), () -> devices, () -> prepareLocked(order, devices));
    }

    private Prepared prepareLocked(PrepareOrder order, List<String> devices) {
        Assignment seen = checkFencing(order.assignmentId(), order.term(), order.epoch());
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
            prepared = startVmm(order, devices, deviceNodes(devices));
        } catch (AssignmentRefused refused) {
            remember(seen == null ? new Assignment(order.assignmentId(), order.tenant(), devices, order.withKvm(), order.epoch(), null)
                    : seen.withEpoch(order.epoch()));
            throw refused;
        }
        remember(new Assignment(order.assignmentId(), order.tenant(), devices, order.withKvm(), order.epoch(), prepared));
        return prepared;
    }

    public Released release(ReleaseOrder order) {
        requireId(order.assignmentId());
        List<String> fenced = canonicalDevices("fenced", order.fenced(), false);
        return serialised(order.assignmentId(), () -> withDevicesOf(order.assignmentId(), fenced),
                () -> releaseLocked(order, fenced));
    }

    private Released releaseLocked(ReleaseOrder order, List<String> fenced) {
        Assignment seen = checkFencing(order.assignmentId(), order.term(), order.epoch());
        if (seen == null || !seen.holdsDevices()) {
            remember(seen == null ? new Assignment(order.assignmentId(), "", List.of(), false, order.epoch(), null)
                    : seen.withEpoch(order.epoch()));
            return new Released(false, List.of(), List.of(), List.of());
        }
        Prepared prepared = seen.prepared();
        List<String> functionReset = new ArrayList<>();
        List<String> setReset = new ArrayList<>();
        List<String> leftToSetReset = new ArrayList<>();
        if (order.reset()) {
            List<Prepared.Device> withoutFunctionReset = new ArrayList<>();
            for (Prepared.Device device : prepared.devices()) {
                if (scrub(prepared.pid(), device)) {
                    functionReset.add(device.bdf());
                } else {
                    withoutFunctionReset.add(device);
                }
            }
            for (List<Prepared.Device> sameSet : byResetSet(withoutFunctionReset)) {
                List<String> bdfs = sameSet.stream().map(Prepared.Device::bdf).toList();
                (resetSetBeforeExit(seen, sameSet.getFirst(), fenced) ? setReset : leftToSetReset).addAll(bdfs);
            }
        }
        exitQuietly(prepared.pid());
        remember(seen.withEpoch(order.epoch()).released());
        return new Released(true, functionReset, setReset, leftToSetReset);
    }

    /**
     * Hot reset of {@code device}'s reset set through the assignment's files, with the fenced free
     * members of the set bound to its iommufd for the length of the reset; returns the functions reset.
     */
    public List<String> hotReset(HotResetOrder order) {
        requireId(order.assignmentId());
        List<String> fenced = canonicalDevices("fenced", order.fenced(), false);
        return serialised(order.assignmentId(), () -> withDevicesOf(order.assignmentId(), fenced), () -> hotResetLocked(order, fenced));
    }

    private List<String> hotResetLocked(HotResetOrder order, List<String> fenced) {
        Assignment seen = checkFencing(order.assignmentId(), order.term(), order.epoch());
        if (seen != null) {
            remember(seen.withEpoch(order.epoch()));
        }
        if (seen == null || !seen.holdsDevices()) {
            throw new AssignmentRefused(Reason.NOT_PREPARED, "", "nothing is prepared under " + order.assignmentId());
        }
        String bdf = canonicalDevices("device", List.of(order.device()), true).getFirst();
        Prepared.Device device = seen.prepared().device(bdf);
        if (device == null) {
            throw new AssignmentRefused(Reason.DEVICE_NOT_IN_ASSIGNMENT, bdf, bdf + " is not a device of assignment "
                    + order.assignmentId() + " " + seen.devices());
        }
        return setReset.reset(new SetReset.Request(order.assignmentId(), seen.prepared(), device, fenced, openedBy()));
    }

    /**
     * Which assignment's VMM a Syscalls credential reaches; empty for one no prepared assignment has
     * (never issued, or revoked by its Release). Not serialised with the node operations: it reads a
     * concurrent index, so a VMM's system calls never wait for another assignment's Prepare.
     */
    public Optional<SyscallScope> scopeOf(String credential) {
        return Optional.ofNullable(byCredential.get(SyscallScope.digest(credential)));
    }

    /** The prepared assignments, in the order they were first seen. */
    public List<Assignment> prepared() {
        synchronized (state) {
            return assignments.values().stream().filter(Assignment::holdsDevices).toList();
        }
    }

    /**
     * Makes the table and the host agree after a restart: an entry whose process is gone is marked
     * released, a VMM process no entry owns (its Prepare was cut short) is exited, and a device file a
     * VMM process holds beyond its assignment's devices (a fenced member of a set reset that was cut
     * short) is closed, which gives the member back.
     */
    public void reconcile() {
        operations.writeLock().lock();
        try {
            reconcileAlone();
        } finally {
            operations.writeLock().unlock();
        }
    }

    private void reconcileAlone() {
        Set<Integer> owned = new HashSet<>();
        Map<Integer, String> vmmProcesses = vmmProcesses(host.processes());
        List<Assignment> known;
        synchronized (state) {
            known = List.copyOf(assignments.values());
        }
        for (Assignment assignment : known) {
            if (!assignment.holdsDevices()) {
                continue;
            }
            if (vmmProcesses.containsKey(assignment.prepared().pid())) {
                owned.add(assignment.prepared().pid());
                closeStrayDeviceFiles(assignment);
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

    private Prepared startVmm(PrepareOrder order, List<String> devices, Map<String, DeviceNode> nodes) {
        int uid;
        synchronized (state) {
            Integer known = tenantUids.get(order.tenant());
            uid = known != null ? known : FIRST_TENANT_UID + tenantUids.size();
            if (known == null) {
                tenantUids.put(order.tenant(), uid);
                table.putTenantUid(order.tenant(), uid);
            }
        }
        boolean noiommu = nodes.values().stream().anyMatch(DeviceNode::noiommu);
        int pid = host.call(new Syscall.Spawn(new ProcessSpec(PROCESS_PREFIX + order.assignmentId(), uid,
                noiommu ? Set.of(Capability.CAP_SYS_RAWIO) : Set.of(), ProcessSpec.UNLIMITED)));
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
                DeviceNode node = nodes.get(bdf);
                step = "open " + node.cdevPath();
                int fd = host.call(new Syscall.Open(pid, node.cdevPath(), O_RDWR));
                if (order.withKvm()) {
                    step = "KVM_DEV_VFIO_FILE_ADD";
                    host.call(new Syscall.IoctlCall<>(pid, kvmDevice, Ioctl.KvmSetDeviceAttr.fileAdd(fd)));
                }
                step = "VFIO_DEVICE_BIND_IOMMUFD";
                int devid = host.call(new Syscall.IoctlCall<>(pid, fd, Ioctl.VfioDeviceBindIommufd.of(iommufd))).outDevid();
                step = "VFIO_DEVICE_ATTACH_IOMMUFD_PT";
                int hwpt = host.call(new Syscall.IoctlCall<>(pid, fd, Ioctl.VfioDeviceAttachIommufdPt.of(ioas))).ptId();
                step = "VFIO_DEVICE_GET_INFO";
                var info = host.call(new Syscall.IoctlCall<>(pid, fd, Ioctl.VfioDeviceGetInfo.of()));
                // [v11] a noiommu device's attach succeeds without effect and echoes the IOAS id: no HWPT.
                prepared.add(new Prepared.Device(bdf, node.cdevPath(), fd, devid, node.noiommu() ? 0 : hwpt,
                        (info.flags() & Ioctl.VfioDeviceGetInfo.FLAGS_RESET) != 0, node.noiommu()));
            }
            return new Prepared(pid, iommufd, ioas, vmFd, kvmDevice, prepared, SyscallScope.newCredential());
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

    /**
     * The set reset of a release: when every member of {@code device}'s set is the assignment's or
     * fenced, reset the set through {@code device} with the fenced members bound for its length; false
     * (left to the kernel's reset on release) when that is refused.
     */
    private boolean resetSetBeforeExit(Assignment assignment, Prepared.Device device, List<String> fenced) {
        List<RegisteredDevice> registered = host.vfioDevices();
        String set = registered(registered, device.bdf()).deviceSetKey();
        List<String> members = registered.stream().filter(member -> member.deviceSetKey().equals(set))
                .map(RegisteredDevice::name).toList();
        List<String> fencedInSet = fenced.stream().filter(members::contains).toList();
        try {
            setReset.reset(new SetReset.Request(assignment.id(), assignment.prepared(), device, fencedInSet, openedBy()));
            return true;
        } catch (AssignmentRefused refused) {
            log.info("The reset set of {} is left to the kernel's reset on release: {}", device.bdf(), refused.getMessage());
            return false;
        }
    }

    /** The devices grouped by the reset set they are in (vfio-pci's dev_set), in order of first appearance. */
    private List<List<Prepared.Device>> byResetSet(List<Prepared.Device> devices) {
        List<RegisteredDevice> registered = host.vfioDevices();
        Map<String, List<Prepared.Device>> sets = new LinkedHashMap<>();
        for (Prepared.Device device : devices) {
            sets.computeIfAbsent(registered(registered, device.bdf()).deviceSetKey(), key -> new ArrayList<>()).add(device);
        }
        return List.copyOf(sets.values());
    }

    /** Every device the agent's prepared assignments hold, with the assignment's id. */
    private Map<String, String> openedBy() {
        Map<String, String> opened = new TreeMap<>();
        synchronized (state) {
            for (Assignment assignment : assignments.values()) {
                if (assignment.holdsDevices()) {
                    assignment.prepared().devices().forEach(device -> opened.put(device.bdf(), assignment.id()));
                }
            }
        }
        return opened;
    }

    /** Closes the device files of the assignment's process that are not its devices' own. */
    private void closeStrayDeviceFiles(Assignment assignment) {
        int pid = assignment.prepared().pid();
        Set<Integer> own = new HashSet<>();
        assignment.prepared().devices().forEach(device -> own.add(device.fd()));
        List<Integer> strays = host.vfioDeviceFiles(pid).stream().filter(fd -> !own.contains(fd)).toList();
        for (int fd : strays) {
            log.warn("Process {} of assignment {} holds device file {} beyond its devices (a set reset was cut short); closing it",
                    pid, assignment.id(), fd);
            host.call(new Syscall.Close(pid, fd));
        }
    }

    private void exitQuietly(int pid) {
        try {
            host.call(new Syscall.Exit(pid));
        } catch (KernelException gone) {
            log.debug("Process {} was already gone: {}", pid, gone.getMessage());
        }
    }

    /**
     * The call's term against the node's newest (a controller that lost the node), then its epoch against
     * the assignment's newest (an older decision on the same assignment); a call that passes raises the
     * node's term. Both refusals are STALE_EPOCH, and change nothing.
     */
    private Assignment checkFencing(String id, long term, long epoch) {
        synchronized (state) {
            if (Long.compareUnsigned(term, nodeTerm) < 0) {
                throw new AssignmentRefused(Reason.STALE_EPOCH, "", "term " + Long.toUnsignedString(term) + " is older than "
                        + Long.toUnsignedString(nodeTerm) + ", the newest controller term this node has seen");
            }
            Assignment seen = checkEpoch(id, epoch);
            raiseNodeTerm(term);
            return seen;
        }
    }

    private void raiseNodeTerm(long term) {
        if (Long.compareUnsigned(term, nodeTerm) > 0) {
            nodeTerm = term;
            table.putNodeTerm(term);
        }
    }

    private void indexCredential(Assignment assignment) {
        if (assignment.holdsDevices() && assignment.prepared().syscallsCredential() != null) {
            byCredential.put(SyscallScope.digest(assignment.prepared().syscallsCredential()), SyscallScope.of(assignment));
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
        synchronized (state) {
            Assignment before = assignments.put(assignment.id(), assignment);
            if (before != null && before.holdsDevices() && !assignment.holdsDevices()) {
                byCredential.remove(SyscallScope.digest(before.prepared().syscallsCredential()));
            }
            indexCredential(assignment);
            if (!assignment.equals(before)) {
                table.put(assignment);
            }
        }
    }

    /**
     * Runs {@code operation} as assignment {@code id}'s one operation, holding the locks of the IOMMU
     * groups and reset sets of {@code devices} (read once the assignment's lock is held); see the class
     * comment for the order.
     */
    private <T> T serialised(String id, Supplier<List<String>> devices, Supplier<T> operation) {
        operations.readLock().lock();
        ReentrantLock assignment = assignmentLocks[Math.floorMod(id.hashCode(), assignmentLocks.length)];
        assignment.lock();
        try {
            TreeSet<Integer> stripes = new TreeSet<>();
            for (String key : groupsAndSets(devices.get())) {
                stripes.add(Math.floorMod(key.hashCode(), resourceLocks.length));
            }
            List<ReentrantLock> held = new ArrayList<>();
            try {
                for (int stripe : stripes) {
                    resourceLocks[stripe].lock();
                    held.add(resourceLocks[stripe]);
                }
                return operation.get();
            } finally {
                held.reversed().forEach(ReentrantLock::unlock);
            }
        } finally {
            assignment.unlock();
            operations.readLock().unlock();
        }
    }

    /** The devices assignment {@code id} holds, and {@code others}. */
    private List<String> withDevicesOf(String id, List<String> others) {
        List<String> devices = new ArrayList<>(others);
        synchronized (state) {
            Assignment seen = assignments.get(id);
            if (seen != null && seen.holdsDevices()) {
                devices.addAll(seen.devices());
            }
        }
        return devices;
    }

    /** The IOMMU groups and reset sets of {@code devices}; a device the host does not have stands for itself. */
    private Set<String> groupsAndSets(List<String> devices) {
        List<RegisteredDevice> registered = host.vfioDevices();
        Set<String> keys = new HashSet<>();
        for (String bdf : devices) {
            RegisteredDevice device = registered(registered, bdf);
            if (device == null) {
                keys.add("device " + bdf);
                continue;
            }
            keys.add("set " + device.deviceSetKey());
            keys.add(device.groupPath().isEmpty() ? "device " + bdf : "group " + device.groupPath());
        }
        return keys;
    }

    private static ReentrantLock[] stripes(int count) {
        ReentrantLock[] locks = new ReentrantLock[count];
        for (int i = 0; i < count; i++) {
            locks[i] = new ReentrantLock();
        }
        return locks;
    }

    /** Where a device is opened, and whether it is a noiommu device. */
    private record DeviceNode(String cdevPath, boolean noiommu) {}

    private Map<String, DeviceNode> deviceNodes(List<String> devices) {
        List<RegisteredDevice> registered = host.vfioDevices();
        Map<String, DeviceNode> nodes = new LinkedHashMap<>();
        for (String bdf : devices) {
            RegisteredDevice device = registered(registered, bdf);
            if (device == null || device.kind() == VfioDevice.Kind.EMULATED) {
                String why = host.topology().function(Bdf.parse(bdf)).isPresent()
                        ? bdf + " is not bound to vfio-pci on this host" : "this host has no PCI function " + bdf;
                throw new AssignmentRefused(Reason.UNKNOWN_DEVICE, bdf, why);
            }
            if (device.cdevName().isEmpty()) {
                throw new AssignmentRefused(Reason.UNKNOWN_DEVICE, bdf, bdf + " has no vfio device cdev on this host (its "
                        + "kernel has no CONFIG_VFIO_DEVICE_CDEV), and Prepare opens devices by their cdev");
            }
            nodes.put(bdf, new DeviceNode(CDEV_DIRECTORY + device.cdevName(), device.kind() == VfioDevice.Kind.NOIOMMU));
        }
        return nodes;
    }

    /** The vfio device registered as {@code name}, or null when there is none. */
    static RegisteredDevice registered(List<RegisteredDevice> registered, String name) {
        return registered.stream().filter(device -> device.name().equals(name)).findFirst().orElse(null);
    }

    private static Map<Integer, String> vmmProcesses(Map<Integer, String> running) {
        Map<Integer, String> processes = new TreeMap<>();
        running.forEach((pid, name) -> {
            if (name.startsWith(PROCESS_PREFIX)) {
                processes.put(pid, name);
            }
        });
        return processes;
    }

    private static void requireId(String id) {
        if (id == null || id.isBlank()) {
            throw new AssignmentRefused(Reason.INVALID_ORDER, "", "assignment_id: must not be empty");
        }
    }

    /** The BDFs in canonical form, each once; {@code required} refuses an empty list. */
    private static List<String> canonicalDevices(String field, List<String> devices, boolean required) {
        if (required && devices.isEmpty()) {
            throw new AssignmentRefused(Reason.INVALID_ORDER, "", field + ": at least one device is needed");
        }
        List<String> canonical = new ArrayList<>();
        for (String text : devices) {
            String bdf;
            try {
                bdf = Bdf.parse(text).toString();
            } catch (TopologyException malformed) {
                throw new AssignmentRefused(Reason.INVALID_ORDER, text, field + ": " + malformed.reason());
            }
            if (canonical.contains(bdf)) {
                throw new AssignmentRefused(Reason.INVALID_ORDER, bdf, field + ": " + bdf + " is named twice");
            }
            canonical.add(bdf);
        }
        return canonical;
    }
}
