package io.vfleet.engine;

import io.vfleet.engine.JournalEntry.AccessPin;
import io.vfleet.engine.JournalEntry.AccessUnpin;
import io.vfleet.engine.JournalEntry.Failed;
import io.vfleet.engine.JournalEntry.IoctlCall;
import io.vfleet.engine.JournalEntry.Outcome;
import io.vfleet.engine.JournalEntry.Replied;
import io.vfleet.engine.JournalEntry.VmCreated;
import io.vfleet.engine.iommufd.IommufdAccess;
import io.vfleet.engine.kvm.KvmFiles;
import io.vfleet.engine.process.KernelFile;
import io.vfleet.engine.process.Process;
import io.vfleet.engine.process.ProcessSpec;
import io.vfleet.engine.process.UserLocks;
import io.vfleet.engine.topology.HostTopology;
import io.vfleet.engine.uapi.Ioctl;
import io.vfleet.engine.vfio.DeviceRegistry;
import io.vfleet.engine.vfio.VfioDevice;
import io.vfleet.engine.vfio.VfioDeviceFile;
import io.vfleet.engine.vfio.VfioGroup;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * One host's kernel: the system calls user space makes into vfio, iommufd and kvm-vfio.
 *
 * <p>A host is built from its {@link HostTopology}: at boot every vfio-pci function, noiommu
 * function and emulated device is registered (see {@link DeviceRegistry}), and the device nodes
 * under {@code /dev} appear as the kernel configuration says. From then on, processes open those
 * nodes and issue ioctls exactly as they would on Linux, and get the same errno for the same
 * misuse.
 *
 * <p>Locking: one lock, {@link #lock}, serialises every system call on the host. It stands in for
 * the kernel's per-object locks (the dev_set mutex, the group lock, the IOAS rwsems, the object
 * table xarray) and is the only lock: no class below takes another, so there is no lock order to
 * get wrong, every call is atomic with respect to every other, and a snapshot is always of a
 * consistent state. Calls take microseconds, so the host's throughput is bounded by one core,
 * which is far above what VMMs ask of a real host. Unlike the kernel, a MAP therefore never sees
 * a concurrent MAP's half-built area, and EBUSY from that race does not occur.
 *
 * <p>Every call that changed state is journaled ({@link SyscallJournal}) so that a snapshot can
 * rebuild the host by replaying the calls on a freshly booted one: an agent restart is not a host
 * reboot. The {@code restore...} methods exist for that replay only.
 */
public final class Host implements Kernel {
    private final ReentrantLock lock = new ReentrantLock();
    private final HostTopology topology;
    private final DeviceRegistry devices;
    private final DeviceNodes nodes;
    private final Map<Integer, Process> processes = new TreeMap<>();
    private final Map<Integer, UserLocks> users = new HashMap<>();
    private final SyscallJournal journal = new SyscallJournal();
    private int nextPid = 100;

    private Host(HostTopology topology) {
        this.topology = topology;
        this.devices = new DeviceRegistry(topology);
        this.nodes = new DeviceNodes(topology.kernel(), devices);
    }

    /** Boots a host: registers its devices and creates its device nodes. */
    public static Host boot(HostTopology topology) {
        return new Host(topology);
    }

    public HostTopology topology() {
        return topology;
    }

    public KernelConfig config() {
        return topology.kernel();
    }

    // ---- processes and memory ----

    /** Starts a process; returns its pid. */
    @Override
    public int spawn(ProcessSpec spec) {
        return locked(() -> {
            int pid = nextPid++;
            UserLocks user = users.computeIfAbsent(spec.uid(), UserLocks::new);
            processes.put(pid, new Process(pid, spec, user));
            journal.record(new JournalEntry.Spawn(pid, spec));
            return pid;
        });
    }

    /** The process exits: every file it has open is closed, lowest fd first, then its memory goes. */
    @Override
    public void exit(int pid) {
        locked(() -> {
            Process process = process(pid);
            for (int fd : process.files().openDescriptors()) {
                process.files().remove(fd).put();
            }
            processes.remove(pid);
            process.markExited();
            journal.exited(pid);
            return null;
        });
    }

    /** mmap of anonymous memory with {@code prot} (PROT_READ 1, PROT_WRITE 2); returns the address. */
    @Override
    public long mmap(int pid, long length, int prot) {
        return locked(() -> {
            long address = process(pid).memory().mmap(length, prot);
            journal.record(new JournalEntry.Mmap(pid, length, prot, address));
            return address;
        });
    }

    @Override
    public void munmap(int pid, long address, long length) {
        locked(() -> {
            process(pid).memory().munmap(address, length);
            journal.record(new JournalEntry.Munmap(pid, address, length));
            return null;
        });
    }

    // ---- files ----

    /** open(2) of a device node; returns the new fd. {@code flags} are accepted as O_RDWR | O_CLOEXEC. */
    @Override
    public int open(int pid, String path, int flags) {
        return locked(() -> {
            Process process = process(pid);
            int fd = process.files().open(() -> nodes.open(process, path));
            journal.record(new JournalEntry.Open(pid, path, flags, fd));
            return fd;
        });
    }

    /** close(2). */
    @Override
    public void close(int pid, int fd) {
        locked(() -> {
            process(pid).files().remove(fd).put();
            journal.record(new JournalEntry.Close(pid, fd));
            return null;
        });
    }

    /** ioctl(2): the file behind {@code fd} dispatches the request; the wrong kind of file is ENOTTY. */
    @Override
    public <R> R ioctl(int pid, int fd, Ioctl<R> request) {
        return locked(() -> {
            Process process = process(pid);
            KernelFile file = process.files().get(fd);
            Object reply;
            try {
                reply = file.ioctl(process, request);
            } catch (KernelException e) {
                if (SyscallJournal.changesStateWhenFailing(file, request)) {
                    journal.ioctl(new IoctlCall(pid, fd, request, new Failed(e.errno())));
                }
                throw e;
            }
            if (SyscallJournal.changesState(request)) {
                journal.ioctl(new IoctlCall(pid, fd, request, outcome(process, reply)));
            }
            @SuppressWarnings("unchecked")
            R typed = (R) reply;
            return typed;
        });
    }

    /** A new VM's number is not in the reply, but replay must give the VM the same one. */
    private static Outcome outcome(Process process, Object reply) {
        if (reply instanceof Ioctl.KvmCreateVm.Reply(int vmFd)
                && process.files().get(vmFd) instanceof KvmFiles.Vm vm) {
            return new VmCreated(vmFd, vm.kvm().id());
        }
        return new Replied(reply);
    }

    // ---- what drivers do on their own ----

    /**
     * The driver of the emulated device open as {@code deviceFd} pins guest memory through its
     * access (iommufd_access_pin_pages), as an mdev driver does when the guest hands it a buffer.
     * EINVAL when the fd is not a device bound through an access.
     */
    public void accessPin(int pid, int deviceFd, IommufdAccess.Pin pin) {
        locked(() -> {
            access(pid, deviceFd).pin(pin.iova(), pin.length(), pin.write());
            journal.record(new AccessPin(pid, deviceFd, pin));
            return null;
        });
    }

    /** The driver drops the pin it took at {@code iova} for {@code length} bytes. */
    public void accessUnpin(int pid, int deviceFd, long iova, long length) {
        locked(() -> {
            access(pid, deviceFd).unpin(iova, length);
            journal.record(new AccessUnpin(pid, deviceFd, iova, length));
            return null;
        });
    }

    private IommufdAccess access(int pid, int deviceFd) {
        VfioDeviceFile file = process(pid).files().get(deviceFd, VfioDeviceFile.class, Errno.EINVAL);
        IommufdAccess access = file.device().iommufdAccess();
        if (access == null) {
            throw Errno.EINVAL.exception("fd " + deviceFd + " is " + file.device().name()
                    + ", which is not bound to an iommufd through an access");
        }
        return access;
    }

    /**
     * A count that grows with every call that changed the host's state (what a snapshot records):
     * equal counts mean nothing to write. Refused calls that changed nothing leave it alone.
     */
    public long changes() {
        return locked(journal::changes);
    }

    // ---- introspection, for the agent and for tests ----

    /** Runs {@code action} under the host lock, for a consistent read of several objects. */
    public <T> T inspect(Supplier<T> action) {
        return locked(action);
    }

    /** Pids of the running processes, ascending. */
    public List<Integer> pids() {
        return locked(() -> new ArrayList<>(processes.keySet()));
    }

    /** The process with {@code pid}; read it under {@link #inspect}. */
    public Process process(int pid) {
        Process process = processes.get(pid);
        if (process == null) {
            throw Errno.ESRCH.exception("no process " + pid);
        }
        return process;
    }

    /** The registered vfio devices in registration (index) order. */
    public List<VfioDevice> vfioDevices() {
        return devices.devices();
    }

    public VfioDevice vfioDevice(String name) {
        return devices.byName(name);
    }

    public List<VfioGroup> vfioGroups() {
        return devices.groups();
    }

    /** The pages each uid has pinned in USER accounting mode. */
    public Map<Integer, Long> lockedPagesByUser() {
        return locked(() -> {
            Map<Integer, Long> locked = new TreeMap<>();
            users.forEach((uid, user) -> locked.put(uid, user.lockedPages()));
            return locked;
        });
    }

    // ---- snapshots ----

    /** The journal of the calls that built the current state, in call order; read under {@link #inspect}. */
    public List<JournalEntry> journal() {
        return locked(journal::entries);
    }

    /** The pid the next spawn gets. */
    public int nextPid() {
        return locked(() -> nextPid);
    }

    /** The number the next KVM_CREATE_VM gives its VM. */
    public int nextVmId() {
        return locked(nodes::nextVmId);
    }

    /** Replay only: the next spawn gets {@code pid}. */
    public void restoreNextPid(int pid) {
        locked(() -> nextPid = pid);
    }

    /** Replay only: the next KVM_CREATE_VM makes VM number {@code vmId}. */
    public void restoreNextVmId(int vmId) {
        locked(() -> {
            nodes.restoreNextVmId(vmId);
            return null;
        });
    }

    /** Replay only: a user whose processes have all exited is still known, with nothing locked. */
    public void restoreUser(int uid) {
        locked(() -> users.computeIfAbsent(uid, UserLocks::new));
    }

    private <T> T locked(Supplier<T> action) {
        lock.lock();
        try {
            return action.get();
        } finally {
            lock.unlock();
        }
    }
}
