package io.vfleet.engine.snapshot;

import com.google.errorprone.annotations.FormatMethod;
import io.vfleet.engine.Host;
import io.vfleet.engine.iommu.IommuGroup;
import io.vfleet.engine.iommufd.HwptPaging;
import io.vfleet.engine.iommufd.Ioas;
import io.vfleet.engine.iommufd.IommufdAccess;
import io.vfleet.engine.iommufd.IommufdContext;
import io.vfleet.engine.iommufd.IommufdDevice;
import io.vfleet.engine.iommufd.IommufdFile;
import io.vfleet.engine.iommufd.IommufdObject;
import io.vfleet.engine.iommufd.IoptArea;
import io.vfleet.engine.kvm.Kvm;
import io.vfleet.engine.kvm.KvmFiles;
import io.vfleet.engine.process.KernelFile;
import io.vfleet.engine.process.Process;
import io.vfleet.engine.vfio.VfioContainer;
import io.vfleet.engine.vfio.VfioContainerFile;
import io.vfleet.engine.vfio.VfioDevice;
import io.vfleet.engine.vfio.VfioDeviceFile;
import io.vfleet.engine.vfio.VfioGroup;
import io.vfleet.engine.vfio.VfioGroupFile;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.stream.Collectors;

/**
 * A canonical description of everything a host holds, for comparing a host with its restored
 * copy: processes with their memory, fds and file kinds; every iommufd context with its objects,
 * areas and pins; devices, groups, containers, VMs, DMA ownership and memlock charges. Objects
 * without a user-visible number (contexts, containers) are numbered in order of discovery, so two
 * hosts built by the same calls describe identically.
 */
public final class HostState {
    private final StringBuilder out = new StringBuilder();
    private final IdentityHashMap<Object, String> labels = new IdentityHashMap<>();
    private final List<IommufdContext> contexts = new java.util.ArrayList<>();
    private final List<VfioContainer> containers = new java.util.ArrayList<>();

    private HostState() {
    }

    public static String describe(Host host) {
        return host.inspect(() -> {
            HostState state = new HostState();
            state.describeAll(host);
            return state.out.toString();
        });
    }

    private void describeAll(Host host) {
        line("next pid %d, next VM %d", host.nextPid(), host.nextVmId());
        for (int pid : host.pids()) {
            Process process = host.process(pid);
            line("process %d %s uid=%d caps=%s memlock=%d lockedVm=%d", pid, process.spec().name(), process.uid(),
                    process.spec().capabilities().stream().map(Enum::name).sorted().toList(),
                    process.spec().memlockLimitBytes(), process.lockedVmPages());
            process.memory().regions().forEach(region -> line("  vma %x-%x prot=%d", region.start(), region.end(), region.prot()));
            for (int fd : process.files().openDescriptors()) {
                line("  fd %d %s", fd, file(process.files().get(fd)));
            }
        }
        for (VfioDevice device : host.vfioDevices()) {
            line("device %s %s open=%d cdev=%s devid=%d attached=%s kvm=%s context=%s resets=%d needsReset=%s",
                    device.cdevName(), device.name(), device.openCount(), device.cdevOpened(), device.devid(),
                    device.iommufdAttached(), vm(device.kvm()), context(device.iommufd()), device.resets(), device.needsReset());
        }
        for (VfioGroup group : host.vfioGroups()) {
            line("group %s open=%s container=%s iommufd=%s containerUsers=%d cdevOpen=%d kvm=%s", group.nodeName(),
                    group.openedFile() != null, container(group.container()), context(group.iommufd()),
                    group.containerUsers(), group.cdevDeviceOpenCount(), vm(group.kvm()));
            IommuGroup iommuGroup = group.iommuGroup();
            if (iommuGroup != null) {
                line("  iommu group %d owned=%s by %s owners=%d viable=%s", iommuGroup.id(), iommuGroup.isOwned(),
                        owner(iommuGroup.owner()), iommuGroup.ownerCount(), iommuGroup.isViable());
            }
        }
        for (int i = 0; i < contexts.size(); i++) {
            describeContext(contexts.get(i));
        }
        for (VfioContainer container : containers) {
            line("%s backend=%s groups=%s", labels.get(container), container.backend(),
                    container.groups().stream().map(VfioGroup::nodeName).toList());
            container.mappings().forEach(mapping -> line("  dma %x+%x va=%x flags=%d account=%s", mapping.iova(), mapping.size(),
                    mapping.vaddr(), mapping.flags(), mapping.account()));
        }
        line("locked pages by user %s", host.lockedPagesByUser());
    }

    private String file(KernelFile file) {
        String kind = file.kind() + " refs=" + file.references();
        return switch (file) {
            case IommufdFile iommufd -> kind + " " + context(iommufd.context());
            case VfioDeviceFile device -> kind + " " + device.device().cdevName() + " cdev=" + device.isCdev()
                    + " access=" + device.accessGranted() + " bound=" + context(device.iommufd()) + " kvm=" + vm(device.kvm());
            case VfioGroupFile group -> kind + " group " + group.group().nodeName();
            case VfioContainerFile container -> kind + " " + container(container.container());
            case KvmFiles.Vm vm -> kind + " " + vm(vm.kvm());
            case KvmFiles.VfioDevice device -> kind + " " + vm(device.device().kvm()) + " files="
                    + device.device().files().stream().map(KernelFile::kind).toList();
            default -> kind;
        };
    }

    private void describeContext(IommufdContext context) {
        line("%s mm=%s vfioIoas=%s noIommu=%s destroyed=%s", labels.get(context), context.mmAccounting(),
                context.vfioIoas() == null ? "none" : context.vfioIoas().id(), context.noIommuMode(), context.isDestroyed());
        for (IommufdObject object : context.objects().objects()) {
            String common = "  object " + object.id() + " " + object.type() + " users=" + object.users();
            switch (object) {
                case Ioas ioas -> {
                    line("%s align=%d hugePages=%s pinned=%d domains=%d allowed=%s ranges=%s", common,
                            ioas.iopt().iovaAlignment(), ioas.iopt().hugePages(), ioas.iopt().pinnedPages(),
                            ioas.iopt().domains().size(), ioas.iopt().allowedIovas(), ioas.iopt().iovaRanges());
                    for (IoptArea area : ioas.iopt().areas()) {
                        line("    area %s va=%x prot=%d accessPins=%d pages=%s pinned=%s account=%s", area.range(), area.userVa(),
                                area.prot(), area.accessPins(), area.pages().pageCount(), area.pages().pinned(), area.pages().account());
                    }
                }
                case HwptPaging hwpt -> line("%s ioas=%d auto=%s", common, hwpt.ioas().id(), hwpt.isAuto());
                case IommufdDevice device -> line("%s %s hwpt=%s", common, device.name(),
                        device.hwpt() == null ? "none" : device.hwpt().id());
                case IommufdAccess access -> line("%s %s ioas=%s pins=%s", common, access.name(),
                        access.ioas() == null ? "none" : access.ioas().id(), access.pins());
                default -> line("%s", common);
            }
        }
    }

    private String context(IommufdContext context) {
        if (context == null) {
            return "none";
        }
        return labels.computeIfAbsent(context, c -> {
            contexts.add(context);
            return "context#" + contexts.size();
        });
    }

    private String container(VfioContainer container) {
        if (container == null) {
            return "none";
        }
        return labels.computeIfAbsent(container, c -> {
            containers.add(container);
            return "container#" + containers.size();
        });
    }

    private String owner(Object owner) {
        return switch (owner) {
            case null -> "none";
            case IommufdContext context -> context(context);
            case VfioContainer container -> container(container);
            default -> labels.getOrDefault(owner, owner.getClass().getSimpleName());
        };
    }

    private static String vm(Kvm kvm) {
        return kvm == null ? "none" : "vm" + kvm.id() + "(refs=" + kvm.references() + ",nonCoherent=" + kvm.nonCoherentDma() + ")";
    }

    @FormatMethod
    private void line(String format, Object... arguments) {
        out.append(String.format(format, arguments)).append('\n');
    }

    /** Lines that differ, for assertion messages. */
    public static String difference(String left, String right) {
        List<String> a = left.lines().toList();
        List<String> b = right.lines().toList();
        return java.util.stream.IntStream.range(0, Math.max(a.size(), b.size()))
                .filter(i -> i >= a.size() || i >= b.size() || !a.get(i).equals(b.get(i)))
                .mapToObj(i -> "- " + (i < a.size() ? a.get(i) : "") + "\n+ " + (i < b.size() ? b.get(i) : ""))
                .collect(Collectors.joining("\n"));
    }
}
