package io.vfleet.agent.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.vfleet.agent.AgentHosts;
import io.vfleet.agent.TestAgent;
import io.vfleet.agent.kernel.Syscall;
import io.vfleet.engine.Errno;
import io.vfleet.engine.IovaRange;
import io.vfleet.engine.KernelException;
import io.vfleet.engine.process.Capability;
import io.vfleet.engine.process.ProcessSpec;
import io.vfleet.engine.snapshot.HostState;
import io.vfleet.engine.uapi.Ioctl;
import io.vfleet.engine.uapi.Ioctl.IommuIoasMap;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agent's state across restarts and crashes. A crash is an agent dropped without closing: what
 * its journal made durable is on disk, what was still pending is not, and the next start reads the
 * state directory as it is.
 */
class RestartTest {
    private static final ProcessSpec QEMU = new ProcessSpec("qemu", 107, Set.of(), 1L << 30);

    @TempDir
    Path state;

    private TestAgent agent;

    private AgentHost start() {
        agent = TestAgent.open(AgentHosts.shipped("gpu-server-8x"), state);
        return agent.host();
    }

    @AfterEach
    void close() {
        if (agent != null) {
            agent.close();
        }
    }

    @Test
    void aBoundAttachedMappedDeviceIsExactlySoAfterARestart() {
        AgentHost before = start();
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
        String described = HostState.describe(before.inspect(host -> host));
        agent.close();

        AgentHost after = start();

        assertThat(HostState.describe(after.inspect(host -> host))).isEqualTo(described);
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
    void whatWasDurableWhenTheAgentCrashedIsThereAndWhatWasPendingIsNot() {
        AgentHost before = start();
        int durable = before.call(new Syscall.Spawn(QEMU));
        int iommufd = before.call(new Syscall.Open(durable, "/dev/iommu", 2));
        agent.journal().awaitDurable();
        int pending = before.call(new Syscall.Spawn(QEMU));
        before.call(new Syscall.IoctlCall<>(durable, iommufd, Ioctl.IommuIoasAlloc.of()));

        AgentHost after = start();

        assertThat(pids(after)).containsExactly(durable);
        assertThat(openDescriptors(after, durable)).containsExactly(iommufd);
        assertThat(after.call(new Syscall.Spawn(QEMU))).as("the pid the lost spawn took is free again").isEqualTo(pending);
    }

    @Test
    void aCallThatChangedNothingWritesNothing() {
        AgentHost host = start();
        int pid = host.call(new Syscall.Spawn(QEMU));
        int iommufd = host.call(new Syscall.Open(pid, "/dev/iommu", 2));
        int ioas = host.call(new Syscall.IoctlCall<>(pid, iommufd, Ioctl.IommuIoasAlloc.of())).outIoasId();
        agent.journal().awaitDurable();
        StateJournal.Statistics before = agent.journal().statistics();

        host.call(new Syscall.IoctlCall<>(pid, iommufd, Ioctl.IommuIoasIovaRanges.of(ioas, 8)));
        assertThatExceptionOfType(KernelException.class).isThrownBy(() -> host.call(new Syscall.Close(pid, 42)));
        agent.journal().awaitDurable();

        assertThat(agent.journal().statistics()).isEqualTo(before);
    }

    @Test
    void aRestartReadsOneBaseAndDropsTheSegmentsItHolds() throws Exception {
        AgentHost host = start();
        for (int i = 0; i < 5; i++) {
            host.call(new Syscall.Spawn(QEMU));
            agent.journal().awaitDurable();
        }
        assertThat(segments()).hasSize(1);

        start();

        assertThat(segments()).as("the start's checkpoint holds them all in its base").isEmpty();
        try (Stream<Path> files = Files.list(state)) {
            assertThat(files.map(file -> file.getFileName().toString()).filter(name -> !name.startsWith(SegmentSpares.SPARE))
                    .toList()).containsExactly("agent.base");
        }
        assertThat(pids(agent.host())).hasSize(5);
    }

    @Test
    void theJournalNeverGrowsWithoutBoundAndCompactsToTheSameHost() throws Exception {
        agent = TestAgent.open(AgentHosts.shipped("gpu-server-8x"), state, 100);
        AgentHost host = agent.host();
        int pid = host.call(new Syscall.Spawn(QEMU));
        int iommufd = host.call(new Syscall.Open(pid, "/dev/iommu", 2));
        int ioas = host.call(new Syscall.IoctlCall<>(pid, iommufd, Ioctl.IommuIoasAlloc.of())).outIoasId();
        long memory = host.call(new Syscall.Mmap(pid, 1 << 20, 3));
        long largest = 0;
        for (int round = 0; round < 400; round++) {
            long iova = host.call(new Syscall.IoctlCall<>(pid, iommufd, IommuIoasMap.of(IommuIoasMap.READABLE | IommuIoasMap.WRITEABLE,
                    ioas, memory, 1 << 20, 0))).iova();
            if (round % 2 == 0) {
                host.call(new Syscall.IoctlCall<>(pid, iommufd, Ioctl.IommuIoasUnmap.of(ioas, iova, 1 << 20)));
            }
            agent.journal().awaitDurable();
            largest = Math.max(largest, journalBytes());
        }
        String described = HostState.describe(host.inspect(kernel -> kernel));
        awaitCompactionsDone();

        StateJournal.Statistics statistics = agent.journal().statistics();
        System.out.printf("600 changes in 400 flushes, a compaction every 100 changes: %d compactions, journal at most %,d bytes "
                + "(%,d written in all)%n", statistics.compactions(), largest, statistics.bytesWritten());
        assertThat(statistics.compactions()).isGreaterThanOrEqualTo(4);
        assertThat(largest).as("segments are dropped once a base holds them").isLessThan(statistics.bytesWritten() / 2);
        start();
        assertThat(HostState.describe(agent.host().inspect(kernel -> kernel))).isEqualTo(described);
    }

    private void awaitCompactionsDone() throws InterruptedException {
        for (int i = 0; i < 500 && agent.journal().compactionRunning(); i++) {
            Thread.sleep(10);
        }
    }

    private List<Path> segments() throws Exception {
        try (var files = Files.list(state)) {
            return files.filter(file -> file.getFileName().toString().startsWith("journal-")).toList();
        }
    }

    /** The bytes of frames the segments hold (each is preallocated to its full size). */
    private long journalBytes() {
        try {
            long total = 0;
            for (Path segment : segments()) {
                total += Frames.read(Files.readAllBytes(segment), true).end();
            }
            return total;
        } catch (java.nio.file.NoSuchFileException deletedMeanwhile) {
            return 0;
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static List<Integer> pids(AgentHost host) {
        return host.inspect(kernel -> kernel.pids());
    }

    private static List<Integer> openDescriptors(AgentHost host, int pid) {
        return host.inspect(kernel -> kernel.process(pid).files().openDescriptors());
    }
}
