package io.vfleet.engine.snapshot;

import static io.vfleet.engine.TestProcess.fails;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vfleet.engine.Errno;
import io.vfleet.engine.Host;
import io.vfleet.engine.JournalEntry;
import io.vfleet.engine.KernelException;
import io.vfleet.engine.KernelProfile;
import io.vfleet.engine.TestHosts;
import io.vfleet.engine.TestProcess;
import io.vfleet.engine.iommufd.IommufdAccess;
import io.vfleet.engine.process.ProcessSpec;
import io.vfleet.engine.uapi.Ioctl.IommuDestroy;
import io.vfleet.engine.uapi.Ioctl.IommuIoasAlloc;
import io.vfleet.engine.uapi.Ioctl.IommuIoasMap;
import io.vfleet.engine.uapi.Ioctl.IommuIoasUnmap;
import io.vfleet.engine.uapi.Ioctl.KvmCreateDevice;
import io.vfleet.engine.uapi.Ioctl.KvmCreateVm;
import io.vfleet.engine.uapi.Ioctl.KvmSetDeviceAttr;
import io.vfleet.engine.uapi.Ioctl.VfioCheckExtension;
import io.vfleet.engine.uapi.Ioctl.VfioDeviceAttachIommufdPt;
import io.vfleet.engine.uapi.Ioctl.VfioDeviceBindIommufd;
import io.vfleet.engine.uapi.Ioctl.VfioDevicePciHotReset;
import io.vfleet.engine.uapi.Ioctl.VfioGroupGetDeviceFd;
import io.vfleet.engine.uapi.Ioctl.VfioGroupSetContainer;
import io.vfleet.engine.uapi.Ioctl.VfioIommuMapDma;
import io.vfleet.engine.uapi.Ioctl.VfioSetIommu;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class HostSnapshotTest {
    private static final long MIB = 1 << 20;
    private static final int READ_WRITE = IommuIoasMap.READABLE | IommuIoasMap.WRITEABLE;

    /**
     * Two bridges with bus reset: below the first, two FLR-capable functions sharing a reset set
     * (vfio0, vfio1); below the second, one function for the group path (vfio2); and an emulated
     * mtty (vfio3).
     */
    static String topology(KernelProfile profile) {
        return """
                hostname: snapshot-host
                kernel: {profile: %s}
                devices:
                  - bdf: 0000:00:01.0
                    id: {vendor: 0x8086, device: 0xa70d, class: 0x060400}
                    driver: pcieport
                    iommuGroup: 1
                    reset: {secondaryBusReset: true}
                  - bdf: 0000:00:02.0
                    id: {vendor: 0x8086, device: 0xa70d, class: 0x060400}
                    driver: pcieport
                    iommuGroup: 2
                    reset: {secondaryBusReset: true}
                  - bdf: 0000:01:00.0
                    id: {vendor: 0x10de, device: 0x2330, class: 0x030200}
                    driver: vfio-pci
                    iommuGroup: 10
                    upstreamBridge: 0000:00:01.0
                    reset: {functionReset: true}
                  - bdf: 0000:01:00.1
                    id: {vendor: 0x10de, device: 0x2330, class: 0x030200}
                    driver: vfio-pci
                    iommuGroup: 11
                    upstreamBridge: 0000:00:01.0
                    reset: {functionReset: true}
                  - bdf: 0000:02:00.0
                    id: {vendor: 0x15b3, device: 0x101d, class: 0x020000}
                    driver: vfio-pci
                    iommuGroup: 20
                    upstreamBridge: 0000:00:02.0
                    reset: {functionReset: true}
                emulatedDevices:
                  - {name: mtty-0, type: mtty}
                """.formatted(profile.label());
    }

    /** The fds and IDs of the busy host, for follow-up calls. */
    record BusyHost(Host host, TestProcess vmm, TestProcess legacy, int iommufd, int ioas, int device0) {
    }

    /**
     * A VMM with a KVM VM, two cdev devices bound and attached to one IOAS with pinned maps, a
     * hot reset of their set, an emulated device holding a pin, and a failed unmap that removed an
     * area anyway; a legacy VMM with a group-path device in a type1 container; and a process that
     * came and went.
     */
    static BusyHost busyHost(KernelProfile profile) {
        Host host = TestHosts.boot(topology(profile));
        TestProcess gone = TestProcess.spawn(host);
        int goneFd = gone.open("/dev/iommu");
        gone.ioctl(goneFd, IommuIoasAlloc.of());
        gone.exit();

        TestProcess vmm = TestProcess.spawn(host);
        int iommufd = vmm.open("/dev/iommu");
        int ioas = vmm.ioctl(iommufd, IommuIoasAlloc.of()).outIoasId();
        long memory = vmm.mmap(4 * MIB);
        int kvm = vmm.open("/dev/kvm");
        int vm = vmm.ioctl(kvm, new KvmCreateVm(0)).fd();
        int kvmDevice = vmm.ioctl(vm, new KvmCreateDevice(KvmCreateDevice.KVM_DEV_TYPE_VFIO, 0)).fd();
        int device0 = vmm.open("/dev/vfio/devices/vfio0");
        vmm.ioctl(kvmDevice, KvmSetDeviceAttr.fileAdd(device0));
        vmm.ioctl(device0, VfioDeviceBindIommufd.of(iommufd));
        vmm.ioctl(device0, VfioDeviceAttachIommufdPt.of(ioas));
        int device1 = vmm.open("/dev/vfio/devices/vfio1");
        vmm.ioctl(device1, VfioDeviceBindIommufd.of(iommufd));
        vmm.ioctl(device1, VfioDeviceAttachIommufdPt.of(ioas));
        vmm.ioctl(iommufd, IommuIoasMap.of(READ_WRITE | IommuIoasMap.FIXED_IOVA, ioas, memory, MIB, 0x100000));
        vmm.ioctl(iommufd, IommuIoasMap.of(READ_WRITE, ioas, memory + MIB, 64 * 1024, 0));
        vmm.ioctl(device0, VfioDevicePciHotReset.of(List.of()));
        int mtty = vmm.open("/dev/vfio/devices/vfio3");
        vmm.ioctl(mtty, VfioDeviceBindIommufd.of(iommufd));
        vmm.ioctl(mtty, VfioDeviceAttachIommufdPt.of(ioas));
        host.accessPin(vmm.pid(), mtty, new IommufdAccess.Pin(0x100000, 4096, true));
        vmm.ioctl(iommufd, IommuIoasMap.of(READ_WRITE | IommuIoasMap.FIXED_IOVA, ioas, memory + 2 * MIB, 4096, 0x400000));
        vmm.ioctl(iommufd, IommuIoasMap.of(READ_WRITE | IommuIoasMap.FIXED_IOVA, ioas, memory + 3 * MIB, 8192, 0x401000));
        fails(Errno.ENOENT, () -> vmm.ioctl(iommufd, IommuIoasUnmap.of(ioas, 0x400000, 0x2000)));

        TestProcess legacy = TestProcess.spawn(host, new ProcessSpec("legacy-vmm", 1001, Set.of(), TestProcess.MEMLOCK));
        int container = legacy.open("/dev/vfio/vfio");
        int group = legacy.open("/dev/vfio/20");
        legacy.ioctl(group, new VfioGroupSetContainer(container));
        legacy.ioctl(container, new VfioSetIommu(VfioCheckExtension.TYPE1V2_IOMMU));
        legacy.ioctl(group, new VfioGroupGetDeviceFd("0000:02:00.0"));
        long legacyMemory = legacy.mmap(64 * 1024);
        legacy.ioctl(container, VfioIommuMapDma.of(VfioIommuMapDma.FLAG_READ | VfioIommuMapDma.FLAG_WRITE,
                legacyMemory, 0x10000, 64 * 1024));
        return new BusyHost(host, vmm, legacy, iommufd, ioas, device0);
    }

    @ParameterizedTest
    @EnumSource(KernelProfile.class)
    void busyHostIsTheSameAfterEncodeAndDecode(KernelProfile profile) {
        BusyHost busy = busyHost(profile);
        String before = HostState.describe(busy.host());

        Host restored = HostSnapshot.decode(HostSnapshot.encode(busy.host()));

        String after = HostState.describe(restored);
        assertThat(after).as(() -> HostState.difference(before, after)).isEqualTo(before);
        assertThat(before).contains("resets=1", "pins=[Pin[iova=1048576, length=4096, write=true]]",
                "group 20 open=true container=container#1", "kvm=vm1", "legacy-vmm uid=1001 caps=[] memlock=1073741824 lockedVm=16",
                "locked pages by user {1000=274, 1001=0}");
        assertThat(restored.topology()).isEqualTo(busy.host().topology());
        assertThat(HostSnapshot.encode(restored)).isEqualTo(HostSnapshot.encode(busy.host()));
    }

    @ParameterizedTest
    @EnumSource(KernelProfile.class)
    void restoredHostAnswersFurtherCallsAsTheOriginalDoes(KernelProfile profile) {
        BusyHost original = busyHost(profile);
        Host restored = HostSnapshot.decode(HostSnapshot.encode(original.host()));
        BusyHost copy = new BusyHost(restored, null, null, original.iommufd(), original.ioas(), original.device0());
        int vmm = original.vmm().pid();
        int legacy = original.legacy().pid();

        List<Function<BusyHost, Object>> calls = List.of(
                busy -> busy.host().open(vmm, "/dev/iommu", TestProcess.O_RDWR),
                busy -> busy.host().ioctl(vmm, busy.iommufd(), IommuIoasAlloc.of()),
                busy -> busy.host().ioctl(vmm, busy.iommufd(), IommuDestroy.of(busy.ioas())),
                busy -> busy.host().open(vmm, "/dev/vfio/20", TestProcess.O_RDWR),
                busy -> busy.host().open(legacy, "/dev/vfio/10", TestProcess.O_RDWR),
                busy -> busy.host().ioctl(vmm, busy.iommufd(), IommuIoasMap.of(READ_WRITE, busy.ioas(), 0x7f00_0000_0000L, MIB, 0)),
                busy -> busy.host().mmap(legacy, MIB, 3),
                busy -> busy.host().spawn(new ProcessSpec("next", 1000, Set.of(), 0)));
        for (Function<BusyHost, Object> call : calls) {
            assertThat(outcome(call, copy)).isEqualTo(outcome(call, original));
        }
        assertThat(outcome(calls.get(2), original)).isEqualTo("EBUSY");
        assertThat(outcome(calls.get(3), original)).isEqualTo("EBUSY");
        assertThat(HostState.describe(restored)).isEqualTo(HostState.describe(original.host()));
    }

    private static Object outcome(Function<BusyHost, Object> call, BusyHost host) {
        try {
            return call.apply(host);
        } catch (KernelException e) {
            return e.errno().name();
        }
    }

    @Test
    void exitedProcessLeavesNoEntriesButItsPidIsNotReused() {
        BusyHost busy = busyHost(KernelProfile.V11);
        int gonePid = 100;

        assertThat(busy.host().journal()).extracting(JournalEntry::pid).doesNotContain(gonePid).contains(busy.vmm().pid());
        Host restored = HostSnapshot.decode(HostSnapshot.encode(busy.host()));
        assertThat(restored.pids()).containsExactly(busy.vmm().pid(), busy.legacy().pid());
        assertThat(restored.spawn(new ProcessSpec("next", 1000, Set.of(), 0))).isEqualTo(busy.legacy().pid() + 1);
    }

    @Test
    void exitOfEveryProcessLeavesAnEmptyJournalAndKeepsTheResetCounts() {
        BusyHost busy = busyHost(KernelProfile.LINUX_6_6);
        busy.vmm().exit();
        busy.legacy().exit();

        assertThat(busy.host().journal()).isEmpty();
        Host restored = HostSnapshot.decode(HostSnapshot.encode(busy.host()));
        assertThat(restored.vfioDevice("0000:01:00.0").resets()).isEqualTo(busy.host().vfioDevice("0000:01:00.0").resets()).isEqualTo(2);
        assertThat(HostState.describe(restored)).isEqualTo(HostState.describe(busy.host()));
    }

    @Test
    void mapsUndoneByUnmapsLeaveTheJournalAsItWas() {
        Host host = TestHosts.boot(topology(KernelProfile.V11));
        TestProcess vmm = TestProcess.spawn(host);
        int iommufd = vmm.open("/dev/iommu");
        int ioas = vmm.ioctl(iommufd, IommuIoasAlloc.of()).outIoasId();
        int device = vmm.open("/dev/vfio/devices/vfio0");
        vmm.ioctl(device, VfioDeviceBindIommufd.of(iommufd));
        vmm.ioctl(device, VfioDeviceAttachIommufdPt.of(ioas));
        long memory = vmm.mmap(MIB);
        int entriesBefore = host.journal().size();
        int bytesBefore = HostSnapshot.encode(host).length();

        for (int i = 0; i < 10_000; i++) {
            vmm.ioctl(iommufd, IommuIoasMap.of(READ_WRITE | IommuIoasMap.FIXED_IOVA, ioas, memory, MIB, 0x100000));
            vmm.ioctl(iommufd, IommuIoasUnmap.of(ioas, 0x100000, MIB));
            long iova = vmm.ioctl(iommufd, IommuIoasMap.of(READ_WRITE, ioas, memory, 64 * 1024, 0)).iova();
            vmm.ioctl(iommufd, IommuIoasUnmap.of(ioas, iova, 64 * 1024));
        }

        assertThat(host.journal()).hasSize(entriesBefore);
        assertThat(HostSnapshot.encode(host)).hasSize(bytesBefore);
        System.out.printf("journal after 10,000 fixed and 10,000 automatic map+unmap pairs: %d entries, %d bytes of snapshot%n",
                host.journal().size(), HostSnapshot.encode(host).length());
    }

    @Test
    void mapsThatACopyReadStayInTheJournalAndReplay() {
        Host host = TestHosts.boot(topology(KernelProfile.V11));
        TestProcess vmm = TestProcess.spawn(host);
        int iommufd = vmm.open("/dev/iommu");
        int source = vmm.ioctl(iommufd, IommuIoasAlloc.of()).outIoasId();
        int destination = vmm.ioctl(iommufd, IommuIoasAlloc.of()).outIoasId();
        long memory = vmm.mmap(MIB);
        vmm.ioctl(iommufd, IommuIoasMap.of(READ_WRITE | IommuIoasMap.FIXED_IOVA, source, memory, MIB, 0x100000));
        vmm.ioctl(iommufd, new io.vfleet.engine.uapi.Ioctl.IommuIoasCopy(40, READ_WRITE, destination, source, MIB, 0, 0x100000));
        vmm.ioctl(iommufd, IommuIoasUnmap.of(source, 0x100000, MIB));
        long autoIova = vmm.ioctl(iommufd, IommuIoasMap.of(READ_WRITE, destination, memory, 4096, 0)).iova();

        Host restored = HostSnapshot.decode(HostSnapshot.encode(host));

        assertThat(host.journal()).filteredOn(entry -> entry instanceof JournalEntry.IoctlCall call
                && call.request() instanceof IommuIoasMap).hasSize(2);
        assertThat(HostState.describe(restored)).isEqualTo(HostState.describe(host));
        assertThat(restored.ioctl(vmm.pid(), iommufd, IommuIoasMap.of(READ_WRITE, destination, memory, 4096, 0)).iova())
                .isEqualTo(host.ioctl(vmm.pid(), iommufd, IommuIoasMap.of(READ_WRITE, destination, memory, 4096, 0)).iova())
                .isNotEqualTo(autoIova);
    }

    @Test
    void writeIsAtomicAndLeavesNoTemporaryFileBehind(@TempDir Path directory) throws IOException {
        BusyHost busy = busyHost(KernelProfile.V11);
        Path file = directory.resolve("host.snapshot");
        Files.writeString(file, "an older snapshot\n");

        HostSnapshot.write(busy.host(), file);

        try (var listing = Files.list(directory)) {
            assertThat(listing.toList()).containsExactly(file);
        }
        assertThat(Files.readString(file)).isEqualTo(HostSnapshot.encode(busy.host()));
        assertThat(HostState.describe(HostSnapshot.restore(file))).isEqualTo(HostState.describe(busy.host()));
    }

    @Test
    void snapshotStartsWithItsVersionAndEndsWithItsChecksum() {
        String text = HostSnapshot.encode(busyHost(KernelProfile.V11).host());

        assertThat(text).startsWith("vfleet-engine-snapshot 2\ntopology 1\n{hostname=\"snapshot-host\", kernel={profile=V11, ").containsPattern("\ncounters \\d+\nNextIds\\{nextPid=103, nextVmId=2}\n")
                .containsPattern("\njournal \\d+\nSpawn\\{pid=101, spec=\\{name=\"vmm\", uid=1000, capabilities=\\[], memlockLimitBytes=1073741824}}\n")
                .containsPattern("\nchecksum crc32c [0-9a-f]{8}\n$");
    }

    // ---- refusals ----

    @Test
    void flippedByteIsAChecksumMismatch() {
        String text = HostSnapshot.encode(busyHost(KernelProfile.V11).host());
        int at = text.indexOf("IommuIoasMap{");
        String corrupted = text.substring(0, at) + "IommuIoasMaq" + text.substring(at + "IommuIoasMap".length());
        int checksumLine = (int) text.lines().count();

        assertThatThrownBy(() -> HostSnapshot.decode(corrupted))
                .isInstanceOf(SnapshotException.class)
                .hasMessageStartingWith("line " + checksumLine + ": checksum mismatch");
    }

    @Test
    void truncatedSnapshotIsRefusedNamingTheLine() {
        String text = HostSnapshot.encode(busyHost(KernelProfile.V11).host());
        String cutMidLine = text.substring(0, text.length() / 2);
        String cutAtLine = text.substring(0, text.lastIndexOf("checksum"));

        assertThatThrownBy(() -> HostSnapshot.decode(cutMidLine))
                .isInstanceOf(SnapshotException.class).hasMessageMatching("line \\d+: truncated: .*");
        assertThatThrownBy(() -> HostSnapshot.decode(cutAtLine))
                .isInstanceOf(SnapshotException.class).hasMessageMatching("line \\d+: truncated: .*checksum.*");
    }

    @Test
    void newerFormatVersionIsRefused() {
        String text = HostSnapshot.encode(busyHost(KernelProfile.V11).host()).replaceFirst("snapshot 2\n", "snapshot 3\n");

        assertThatThrownBy(() -> HostSnapshot.decode(text))
                .isInstanceOf(SnapshotException.class)
                .hasMessage("snapshot format version 3 is newer than this engine supports (2)");
    }

    @Test
    void olderFormatVersionIsRefused() {
        String text = HostSnapshot.encode(busyHost(KernelProfile.V11).host()).replaceFirst("snapshot 2\n", "snapshot 1\n");

        assertThatThrownBy(() -> HostSnapshot.decode(text))
                .isInstanceOf(SnapshotException.class)
                .hasMessage("snapshot format version 1 is older than this engine reads (2)");
    }

    @Test
    void topologyTheRecordsRefuseIsRefusedNamingItsLine() {
        String text = HostSnapshot.encode(busyHost(KernelProfile.V11).host());
        String edited = resigned(text.replaceFirst("hostname=\"snapshot-host\"", "hostname=\"not a host\""));

        assertThatThrownBy(() -> HostSnapshot.decode(edited))
                .isInstanceOf(SnapshotException.class)
                .hasMessageStartingWith("line 3: malformed HostTopology: ")
                .hasMessageContaining("hostname: 'not a host' is not a host name");
    }

    @Test
    void unknownRecordTypeIsRefusedNamingTheLine() {
        String text = HostSnapshot.encode(busyHost(KernelProfile.V11).host());
        List<String> lines = text.lines().toList();
        int mapLine = indexOf(lines, "IommuIoasMap{") + 1;
        String edited = resigned(text.replace("request=IommuIoasMap{", "request=IommuIoasMapFile{"));

        assertThatThrownBy(() -> HostSnapshot.decode(edited))
                .isInstanceOf(SnapshotException.class)
                .hasMessageStartingWith("line " + mapLine + ": malformed JournalEntry: column ")
                .hasMessageContaining("unknown record type 'IommuIoasMapFile'");
    }

    @Test
    void malformedValueIsRefusedNamingTheLineAndColumn() {
        String text = HostSnapshot.encode(busyHost(KernelProfile.V11).host());
        int spawnLine = indexOf(text.lines().toList(), "Spawn{pid=101") + 1;
        String edited = resigned(text.replace("Spawn{pid=101,", "Spawn{pid=one-o-one,"));

        assertThatThrownBy(() -> HostSnapshot.decode(edited))
                .isInstanceOf(SnapshotException.class)
                .hasMessage("line " + spawnLine + ": malformed JournalEntry: column 11: expected int, found 'one-o-one, spec={nam' in '"
                        + edited.lines().toList().get(spawnLine - 1).substring(0, 77) + "...'");
    }

    @Test
    void replayThatAnswersDifferentlyIsRefusedNamingTheEntry() {
        String text = HostSnapshot.encode(busyHost(KernelProfile.V11).host());
        List<String> lines = text.lines().toList();
        int journalHeader = indexOf(lines, "journal ");
        int openLine = indexOf(lines, "Open{pid=101, path=\"/dev/iommu\", flags=2, fd=0}") + 1;
        String edited = resigned(text.replace("Open{pid=101, path=\"/dev/iommu\", flags=2, fd=0}",
                "Open{pid=101, path=\"/dev/iommu\", flags=2, fd=7}"));

        assertThatThrownBy(() -> HostSnapshot.decode(edited))
                .isInstanceOf(SnapshotException.class)
                .hasMessage("journal entry " + (openLine - journalHeader - 1) + " (line " + openLine
                        + ") diverged on replay: the fd differs: recorded 7, replayed 0");
    }

    @Test
    void replayedCallThatNowFailsIsRefused() {
        String text = HostSnapshot.encode(busyHost(KernelProfile.V11).host());
        String edited = resigned(text.replace("path=\"/dev/vfio/20\"", "path=\"/dev/vfio/99\""));

        assertThatThrownBy(() -> HostSnapshot.decode(edited))
                .isInstanceOf(SnapshotException.class)
                .hasMessageMatching("journal entry \\d+ \\(line \\d+\\) diverged on replay: open of pid 102 succeeded when recorded, "
                        + "now fails with ENOENT: /dev/vfio/99 does not exist on this host");
    }

    @Test
    void stringsWithQuotesAndControlCharactersRoundTrip() {
        Host host = TestHosts.boot(topology(KernelProfile.V11));
        String name = "qemu \"guest\" \\ tab\tnewline\n\u0001 ünï \uD83D\uDE00";
        host.spawn(new ProcessSpec(name, 7, Set.of(io.vfleet.engine.process.Capability.CAP_SYS_RAWIO,
                io.vfleet.engine.process.Capability.CAP_IPC_LOCK), 0));

        Host restored = HostSnapshot.decode(HostSnapshot.encode(host));

        assertThat(restored.inspect(() -> restored.process(100).spec())).isEqualTo(host.inspect(() -> host.process(100).spec()));
    }

    private static int indexOf(List<String> lines, String text) {
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).contains(text)) {
                return i;
            }
        }
        throw new AssertionError("no line contains " + text);
    }

    /** The text with its checksum line recomputed, as an editor that knows the format would leave it. */
    private static String resigned(String text) {
        String body = text.substring(0, text.lastIndexOf("checksum crc32c "));
        return body + "checksum crc32c " + HostSnapshot.crc32c(body) + "\n";
    }
}
