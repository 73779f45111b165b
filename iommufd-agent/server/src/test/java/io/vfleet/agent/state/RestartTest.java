package io.vfleet.agent.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import io.vfleet.agent.AgentHosts;
import io.vfleet.agent.kernel.AgentHost;
import io.vfleet.agent.kernel.Syscall;
import io.vfleet.engine.Errno;
import io.vfleet.engine.IovaRange;
import io.vfleet.engine.KernelException;
import io.vfleet.engine.process.Capability;
import io.vfleet.engine.process.ProcessSpec;
import io.vfleet.engine.snapshot.HostSnapshot;
import io.vfleet.engine.snapshot.SnapshotException;
import io.vfleet.engine.uapi.Ioctl;
import io.vfleet.engine.uapi.Ioctl.IommuIoasMap;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RestartTest {
    private static final ProcessSpec QEMU = new ProcessSpec("qemu", 107, Set.of(), 1L << 30);

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
        String fingerprint = fingerprint(before, pid);
        before.close();

        AgentHost after = AgentHosts.start(AgentHosts.shipped("gpu-server-8x"), state);

        assertThat(fingerprint(after, pid)).isEqualTo(fingerprint);
        int devidAfter = after.inspect(host -> host.vfioDevice("0000:18:00.0").devid());
        assertThat(devidAfter).isEqualTo(devid);
        var ranges = after.call(new Syscall.IoctlCall<>(pid, iommufd, Ioctl.IommuIoasIovaRanges.of(ioas, 8)));
        assertThat(ranges.outIovaAlignment()).as("still attached: the domain's page size").isEqualTo(4096);
        var unmapped = after.call(new Syscall.IoctlCall<>(pid, iommufd, Ioctl.IommuIoasUnmap.of(ioas, iova, 1 << 21)));
        assertThat(unmapped.length()).as("still mapped at the same IOVA").isEqualTo(1 << 21);
        var reattach = catchThrowableOfType(KernelException.class,
                () -> after.call(new Syscall.IoctlCall<>(pid, device, Ioctl.VfioDeviceAttachIommufdPt.of(hwpt))));
        assertThat(reattach.errno()).as("v11: still attached, so a second ATTACH is EBUSY").isEqualTo(Errno.EBUSY);
        after.close();
    }

    @Test
    void aCallSavedWithinTheDelayIsOnDiskWithoutAShutdown() {
        AgentHost host = AgentHosts.start(AgentHosts.shipped("gpu-server-8x"), state);
        int pid = host.call(new Syscall.Spawn(QEMU));
        host.saveWithinDelay();

        await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
                assertThat(HostSnapshot.restore(state.resolve(SnapshotFile.FILE)).pids()).containsExactly(pid));
        host.close();
    }

    @Test
    void withNoDelayTheCallIsOnDiskWhenItsSaveReturns() {
        AgentHost host = AgentHost.start(AgentHosts.shipped("gpu-server-8x"), state, Duration.ZERO);
        int pid = host.call(new Syscall.Spawn(QEMU));
        host.saveWithinDelay();

        assertThat(HostSnapshot.restore(state.resolve(SnapshotFile.FILE)).pids()).containsExactly(pid);
        host.close();
    }

    @Test
    void aReadOnlyCallDoesNotRewriteTheSnapshot() throws Exception {
        AgentHost host = AgentHosts.start(AgentHosts.shipped("gpu-server-8x"), state);
        int pid = host.call(new Syscall.Spawn(QEMU));
        int iommufd = host.call(new Syscall.Open(pid, "/dev/iommu", 2));
        int ioas = host.call(new Syscall.IoctlCall<>(pid, iommufd, Ioctl.IommuIoasAlloc.of())).outIoasId();
        host.save();
        Files.setLastModifiedTime(state.resolve(SnapshotFile.FILE), java.nio.file.attribute.FileTime.fromMillis(0));

        host.call(new Syscall.IoctlCall<>(pid, iommufd, Ioctl.IommuIoasIovaRanges.of(ioas, 8)));
        host.save();

        assertThat(Files.getLastModifiedTime(state.resolve(SnapshotFile.FILE)).toMillis()).as("not rewritten since it was set").isZero();
        host.close();
    }

    @Test
    void aCorruptSnapshotRefusesToStartWithTheEnginesReason() throws Exception {
        AgentHost before = AgentHosts.start(AgentHosts.shipped("gpu-server-8x"), state);
        before.call(new Syscall.Spawn(QEMU));
        before.close();
        Path file = state.resolve(SnapshotFile.FILE);
        Files.writeString(file, Files.readString(file).replace("\"qemu\"", "\"qemo\""));

        IllegalStateException refused = catchThrowableOfType(IllegalStateException.class,
                () -> AgentHosts.start(AgentHosts.shipped("gpu-server-8x"), state));

        assertThat(refused).hasMessageContaining(file.toString()).hasMessageContaining("checksum mismatch")
                .hasCauseInstanceOf(SnapshotException.class);
    }

    @Test
    void aSnapshotFromANewerEngineRefusesToStart() throws Exception {
        AgentHosts.start(AgentHosts.shipped("gpu-server-8x"), state).close();
        Path file = state.resolve(SnapshotFile.FILE);
        Files.writeString(file, Files.readString(file).replaceFirst("vfleet-engine-snapshot " + HostSnapshot.VERSION,
                "vfleet-engine-snapshot " + (HostSnapshot.VERSION + 1)));

        IllegalStateException refused = catchThrowableOfType(IllegalStateException.class,
                () -> AgentHosts.start(AgentHosts.shipped("gpu-server-8x"), state));

        assertThat(refused).hasMessageContaining("newer than this engine supports");
    }

    @Test
    void aStateDirectoryWithOnlyTheEarlierAgentsJournalRefusesToStartRatherThanBootEmpty() throws Exception {
        Files.writeString(state.resolve("syscalls.journal"), "spawn 'qemu 107 - 1073741824\n");

        IllegalStateException refused = catchThrowableOfType(IllegalStateException.class,
                () -> AgentHosts.start(AgentHosts.shipped("gpu-server-8x"), state));

        assertThat(refused).hasMessageContaining("syscalls.journal");
        assertThat(state.resolve(SnapshotFile.FILE)).doesNotExist();
    }

    private static String fingerprint(AgentHost host, int pid) {
        return host.inspect(kernel -> {
            var process = kernel.process(pid);
            var device = kernel.vfioDevice("0000:18:00.0");
            return process.files().openDescriptors() + " " + process.memory().regions() + " devid " + device.devid()
                    + " attached " + device.iommufdAttached() + " open " + device.openCount() + " locked "
                    + kernel.lockedPagesByUser();
        });
    }
}
