package io.vfleet.agent.vmm;

import io.vfleet.agent.kernel.HostKernel;
import io.vfleet.agent.kernel.RegisteredDevice;
import io.vfleet.agent.kernel.Syscall;
import io.vfleet.agent.vmm.AssignmentRefused.Reason;
import io.vfleet.engine.Errno;
import io.vfleet.engine.KernelException;
import io.vfleet.engine.topology.Bdf;
import io.vfleet.engine.uapi.Ioctl;
import io.vfleet.engine.uapi.Ioctl.VfioDeviceGetPciHotResetInfo;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The zero-length hot reset of a device's reset set (vfio-pci's dev_set) through an assignment's VMM
 * process, with the set's free members brought into the assignment's iommufd context for its length.
 *
 * <p>For a device opened through its cdev, the kernel resets the set only when every vfio device of
 * the set, opened or not, is bound to the caller's iommufd context or sits in an IOMMU group that has a
 * device bound to it (KERNEL.md §13.3; {@code vfio_pci_dev_set_hot_reset} asks
 * {@code vfio_iommufd_get_dev_id} for each member). Binding is what counts, not attaching: so a free
 * member is bound and never attached, its DMA stays blocked while it belongs to the context, and no
 * IOAS of the tenant's ever maps onto it. The reset goes as a VMM would do it:
 * <ol>
 *   <li>VFIO_DEVICE_GET_PCI_HOT_RESET_INFO through the device's own file: which functions the reset
 *       reaches, and which of them the context does not own;</li>
 *   <li>each of those must be one the controller fenced for this reset (its database holds a fence on
 *       it, so no tenant is given it meanwhile): one it did not fence is refused, NOT_FENCED, as the
 *       agent never takes a device it was not given; a fenced device that the agent finds open, in an
 *       assignment or anywhere else, is refused, EBUSY, naming it;</li>
 *   <li>open each fenced member's cdev in the VMM process and VFIO_DEVICE_BIND_IOMMUFD it to the
 *       assignment's iommufd: until it is closed, the kernel itself refuses it to anyone else (one
 *       bound file per device, KERNEL.md §7.2);</li>
 *   <li>VFIO_DEVICE_PCI_HOT_RESET with no group fds;</li>
 *   <li>close each fenced member's file, which unbinds it: it is free and unbound again, and the kernel
 *       marks it as needing a reset when its set next closes, as for any device closed without FLR.</li>
 * </ol>
 * All or nothing: a refusal at any step closes what was opened and changes nothing else. Callers hold
 * {@link Preparations}' monitor, so node operations never interleave with a reset.
 */
final class SetReset {
    private static final Logger log = LoggerFactory.getLogger(SetReset.class);
    private static final int O_RDWR = 2;

    private final HostKernel host;
    private final Checkpoints checkpoints;

    SetReset(HostKernel host, Checkpoints checkpoints) {
        this.host = host;
        this.checkpoints = checkpoints;
    }

    /**
     * A reset through {@code device}, a device of the assignment prepared as {@code prepared}.
     *
     * @param fenced   canonical BDFs the controller fenced for this reset
     * @param openedBy the device BDFs every prepared assignment of the agent holds, with its id
     */
    record Request(String assignmentId, Prepared prepared, Prepared.Device device, List<String> fenced,
            Map<String, String> openedBy) {
        Request {
            fenced = List.copyOf(fenced);
            openedBy = Map.copyOf(openedBy);
        }
    }

    /**
     * Resets the set; answers every function the reset reached, in BDF order. The whole of it runs
     * alone with the VMM process ({@link HostKernel#exclusively}): the fenced members' files exist only
     * inside it, so no system call of the assignment's credential holder, nor of anyone, ever reaches
     * them; a call that names their descriptors afterwards finds them closed (EBADF).
     */
    List<String> reset(Request request) {
        return host.exclusively(request.prepared().pid(), () -> resetAlone(request));
    }

    private List<String> resetAlone(Request request) {
        int pid = request.prepared().pid();
        Prepared.Device device = request.device();
        VfioDeviceGetPciHotResetInfo.Reply info;
        try {
            info = hotResetInfo(pid, device.fd());
        } catch (KernelException refused) {
            throw new AssignmentRefused(device.bdf(), "VFIO_DEVICE_GET_PCI_HOT_RESET_INFO", refused);
        }
        Map<String, Boolean> owned = new LinkedHashMap<>();
        for (VfioDeviceGetPciHotResetInfo.Entry entry : info.devices()) {
            owned.put(new Bdf(entry.segment(), entry.bus(), entry.devfn() >> 3, entry.devfn() & 7).toString(),
                    entry.groupIdOrDevid() != VfioDeviceGetPciHotResetInfo.DEVID_NOT_OWNED);
        }
        Map<String, String> cdevs = membersToBringIn(request, owned);
        List<Integer> opened = new ArrayList<>();
        String current = "";
        String step = "";
        try {
            for (var member : cdevs.entrySet()) {
                current = member.getKey();
                step = "open " + member.getValue();
                int fd = host.call(new Syscall.Open(pid, member.getValue(), O_RDWR));
                opened.add(fd);
                step = "VFIO_DEVICE_BIND_IOMMUFD";
                host.call(new Syscall.IoctlCall<>(pid, fd, Ioctl.VfioDeviceBindIommufd.of(request.prepared().iommufd())));
            }
            checkpoints.reached(Checkpoints.FENCED_MEMBERS_BOUND, request.assignmentId());
            current = device.bdf();
            step = "VFIO_DEVICE_PCI_HOT_RESET";
            host.call(new Syscall.IoctlCall<>(pid, device.fd(), Ioctl.VfioDevicePciHotReset.of(List.of())));
        } catch (KernelException refused) {
            throw new AssignmentRefused(current, step, refused);
        } finally {
            opened.forEach(fd -> closeQuietly(pid, fd));
        }
        return List.copyOf(owned.keySet());
    }

    /**
     * The fenced members, each with its cdev, once every check passed: each one is reached by the reset,
     * not owned by the context yet, a vfio device of this host and open nowhere; and every vfio device
     * of the set the context does not own is one of them. Functions kept by host drivers are left to
     * the kernel, which refuses the reset for them (EINVAL).
     */
    private Map<String, String> membersToBringIn(Request request, Map<String, Boolean> owned) {
        List<RegisteredDevice> registered = host.vfioDevices();
        RegisteredDevice resetting = Preparations.registered(registered, request.device().bdf());
        Map<String, String> cdevs = new LinkedHashMap<>();
        for (String bdf : request.fenced()) {
            Boolean alreadyOwned = owned.get(bdf);
            if (alreadyOwned == null) {
                throw new AssignmentRefused(Reason.INVALID_ORDER, bdf, "fenced: a hot reset of " + request.device().bdf()
                        + " does not reach " + bdf + "; it reaches " + owned.keySet());
            }
            if (alreadyOwned) {
                throw new AssignmentRefused(Reason.INVALID_ORDER, bdf, "fenced: " + bdf
                        + " already belongs to the iommufd of assignment " + request.assignmentId());
            }
            RegisteredDevice member = Preparations.registered(registered, bdf);
            if (member == null || !member.deviceSetKey().equals(resetting.deviceSetKey())) {
                throw new AssignmentRefused(Reason.UNKNOWN_DEVICE, bdf, "fenced: " + bdf
                        + " is not bound to vfio-pci on this host, so nobody can bring it into a reset");
            }
            String holder = request.openedBy().get(bdf);
            if (holder != null) {
                throw new AssignmentRefused(bdf, "bringing in a fenced member",
                        Errno.EBUSY.exception(bdf + " is opened by assignment " + holder));
            }
            if (member.open()) {
                throw new AssignmentRefused(bdf, "bringing in a fenced member",
                        Errno.EBUSY.exception(bdf + " is open in a process outside the agent's assignments"));
            }
            cdevs.put(bdf, Preparations.CDEV_DIRECTORY + member.cdevName());
        }
        for (var entry : owned.entrySet()) {
            RegisteredDevice member = Preparations.registered(registered, entry.getKey());
            boolean vfioMember = member != null && member.deviceSetKey().equals(resetting.deviceSetKey());
            if (!entry.getValue() && vfioMember && !cdevs.containsKey(entry.getKey())) {
                throw new AssignmentRefused(Reason.NOT_FENCED, entry.getKey(), "a hot reset of " + request.device().bdf()
                        + " reaches " + entry.getKey() + ", which is neither a device of assignment "
                        + request.assignmentId() + " nor fenced for this reset");
            }
        }
        return cdevs;
    }

    /** The kernel's two-call protocol: learn the count from ENOSPC, then ask with room for all of them. */
    private VfioDeviceGetPciHotResetInfo.Reply hotResetInfo(int pid, int fd) {
        try {
            return host.call(new Syscall.IoctlCall<>(pid, fd, VfioDeviceGetPciHotResetInfo.withRoomFor(0)));
        } catch (KernelException tooSmall) {
            if (!(tooSmall.partialReply() instanceof VfioDeviceGetPciHotResetInfo.Reply header)) {
                throw tooSmall;
            }
            return host.call(new Syscall.IoctlCall<>(pid, fd, VfioDeviceGetPciHotResetInfo.withRoomFor(header.count())));
        }
    }

    private void closeQuietly(int pid, int fd) {
        try {
            host.call(new Syscall.Close(pid, fd));
        } catch (KernelException gone) {
            log.warn("Closing fd {} of process {} after a set reset failed: {}", fd, pid, gone.getMessage());
        }
    }
}
