package io.vfleet.agent.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.vfleet.agent.AgentHosts;
import io.vfleet.agent.kernel.AgentHost;
import io.vfleet.agent.kernel.Syscall;
import io.vfleet.engine.Errno;
import io.vfleet.engine.IovaRange;
import io.vfleet.engine.KernelException;
import io.vfleet.engine.process.Capability;
import io.vfleet.engine.process.ProcessSpec;
import io.vfleet.engine.uapi.Ioctl;
import io.vfleet.engine.uapi.Ioctl.IommuIoasMap;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RestartTest {
    @TempDir
    Path state;

    @Test
    void aBoundAttachedMappedDeviceIsExactlySoAfterARestart() {
        AgentHost before = AgentHosts.start(AgentHosts.shipped("gpu-server-8x"), state);
        int pid = before.call(new Syscall.Spawn(new ProcessSpec("qemu %1", 107, Set.of(Capability.CAP_IPC_LOCK), 1L << 30)));
        int iommufd = before.call(new Syscall.Open(pid, "/dev/iommu", 2));
        int ioas = before.call(new Syscall.IoctlCall<>(pid, iommufd, Ioctl.IommuIoasAlloc.of())).outIoasId();
        before.call(new Syscall.IoctlCall<>(pid, iommufd, Ioctl.IommuIoasAllowIovas.of(ioas, List.of(new IovaRange(1L << 32, (1L << 34) - 1)))));
        int device = before.call(new Syscall.Open(pid, "/dev/vfio/devices/vfio0", 2));
        int devid = before.call(new Syscall.IoctlCall<>(pid, device, Ioctl.VfioDeviceBindIommufd.of(iommufd))).outDevid();
        int hwpt = before.call(new Syscall.IoctlCall<>(pid, device, Ioctl.VfioDeviceAttachIommufdPt.of(ioas))).ptId();
        long memory = before.call(new Syscall.Mmap(pid, 1 << 21, 3));
        long iova = before.call(new Syscall.IoctlCall<>(pid, iommufd, IommuIoasMap.of(IommuIoasMap.READABLE | IommuIoasMap.WRITEABLE,
                ioas, memory, 1 << 21, 0))).iova();
        before.save();
        String fingerprint = fingerprint(before, pid, iommufd, ioas);

        AgentHost after = AgentHosts.start(AgentHosts.shipped("gpu-server-8x"), state);

        assertThat(fingerprint(after, pid, iommufd, ioas)).isEqualTo(fingerprint);
        int devidAfter = after.inspect(host -> host.vfioDevice("0000:18:00.0").devid());
        assertThat(devidAfter).isEqualTo(devid);
        var ranges = after.call(new Syscall.IoctlCall<>(pid, iommufd, Ioctl.IommuIoasIovaRanges.of(ioas, 8)));
        assertThat(ranges.outIovaAlignment()).as("still attached: the domain's page size").isEqualTo(4096);
        var unmapped = after.call(new Syscall.IoctlCall<>(pid, iommufd, Ioctl.IommuIoasUnmap.of(ioas, iova, 1 << 21)));
        assertThat(unmapped.length()).as("still mapped at the same IOVA").isEqualTo(1 << 21);
        var reattach = catchThrowableOfType(KernelException.class,
                () -> after.call(new Syscall.IoctlCall<>(pid, device, Ioctl.VfioDeviceAttachIommufdPt.of(hwpt))));
        assertThat(reattach.errno()).as("v11: still attached, so a second ATTACH is EBUSY").isEqualTo(Errno.EBUSY);
    }

    @Test
    void aJournalLineCutShortByACrashIsIgnored() throws Exception {
        AgentHost before = AgentHosts.start(AgentHosts.shipped("gpu-server-8x"), state);
        before.call(new Syscall.Spawn(new ProcessSpec("qemu", 107, Set.of(), 1L << 30)));
        before.save();
        Files.writeString(state.resolve(JournalStateStore.JOURNAL), "spawn 'half", java.nio.file.StandardOpenOption.APPEND);

        AgentHost after = AgentHosts.start(AgentHosts.shipped("gpu-server-8x"), state);

        List<Integer> pids = after.inspect(host -> host.pids());
        assertThat(pids).hasSize(1);
    }

    private static String fingerprint(AgentHost host, int pid, int iommufd, int ioas) {
        return host.inspect(kernel -> {
            var process = kernel.process(pid);
            var device = kernel.vfioDevice("0000:18:00.0");
            return process.files().openDescriptors() + " " + process.memory().regions() + " devid " + device.devid()
                    + " attached " + device.iommufdAttached() + " open " + device.openCount() + " locked "
                    + kernel.lockedPagesByUser();
        });
    }
}
