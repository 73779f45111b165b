package io.vfleet.agent.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vfleet.agent.state.v1.KernelCall;
import io.vfleet.engine.Errno;
import io.vfleet.engine.IovaRange;
import io.vfleet.engine.JournalEntry;
import io.vfleet.engine.JournalEntry.Failed;
import io.vfleet.engine.JournalEntry.IoctlCall;
import io.vfleet.engine.JournalEntry.Replied;
import io.vfleet.engine.iommufd.IommufdAccess;
import io.vfleet.engine.process.Capability;
import io.vfleet.engine.process.ProcessSpec;
import io.vfleet.engine.uapi.Ioctl;
import io.vfleet.engine.uapi.Ioctl.Done;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** Every journal entry, every ioctl and every outcome survives the journal's encoding unchanged. */
class KernelCallsTest {

    /** One entry of each kind, and an ioctl call of each request, every field off its default, the edges of each range. */
    static List<JournalEntry> everyKindOfEntry() {
        List<JournalEntry> entries = new ArrayList<>(List.of(
                new JournalEntry.Spawn(101, new ProcessSpec("qemu \"guest\" \\ tab\tnewline\n\u0001 ünï \uD83D\uDE00", 7,
                        Set.of(Capability.CAP_SYS_RAWIO, Capability.CAP_IPC_LOCK, Capability.CAP_SYS_RESOURCE), ProcessSpec.UNLIMITED)),
                new JournalEntry.Spawn(102, new ProcessSpec("vmm", 0, Set.of(), 0)),
                new JournalEntry.Exit(Integer.MAX_VALUE),
                new JournalEntry.Mmap(101, 1L << 40, 3, 0x7f00_0000_0000L),
                new JournalEntry.Munmap(101, -4096L, 4096),
                new JournalEntry.Open(101, "/dev/vfio/devices/vfio12", 0x80002, 2_000_000),
                new JournalEntry.Close(101, -1),
                new JournalEntry.AccessPin(101, 5, new IommufdAccess.Pin(-8192L, 4096, true)),
                new JournalEntry.AccessUnpin(101, 5, 0x100000, 8192),
                new IoctlCall(101, 3, new Ioctl.KvmCreateVm(0), new JournalEntry.VmCreated(9, 4)),
                new IoctlCall(101, 3, Ioctl.IommuIoasUnmap.of(2, 0x400000, 0x2000), new Failed(Errno.ENOENT))));
        long big = 0xfedc_ba98_7654_3210L;
        List<IoctlCall> ioctls = List.of(
                call(new Ioctl.IommuDestroy(9, 7), Done.INSTANCE),
                call(new Ioctl.IommuIoasAlloc(13, 1), new Ioctl.IommuIoasAlloc.Reply(-2)),
                call(new Ioctl.IommuIoasAllowIovas(25, 3, 1, List.of(new IovaRange(0, 4095), IovaRange.ALL)), Done.INSTANCE),
                call(new Ioctl.IommuIoasCopy(41, 7, 2, 3, big, -1L, 1), new Ioctl.IommuIoasCopy.Reply(big)),
                call(new Ioctl.IommuIoasIovaRanges(33, 2, 8, 5), new Ioctl.IommuIoasIovaRanges.Reply(3,
                        List.of(new IovaRange(0, 0xfedfffff), new IovaRange(0xfef00000L, -1L)), 4096)),
                call(new Ioctl.IommuIoasMap(41, 7, 2, 1, big, 1L << 21, -2097152L), new Ioctl.IommuIoasMap.Reply(-2097152L)),
                call(new Ioctl.IommuIoasUnmap(25, 2, 0, -1L), new Ioctl.IommuIoasUnmap.Reply(big)),
                call(new Ioctl.IommuOption(25, 1, 0, 3, 2, -1L), new Ioctl.IommuOption.Reply(-1L)),
                call(new Ioctl.IommuVfioIoas(13, 2, 1, 9), new Ioctl.IommuVfioIoas.Reply(2)),
                call(new Ioctl.IommuHwptAlloc(25, 1, 4, 2, 8), new Ioctl.IommuHwptAlloc.Reply(6)),
                call(new Ioctl.VfioDeviceBindIommufd(17, 1, 3), new Ioctl.VfioDeviceBindIommufd.Reply(1)),
                call(new Ioctl.VfioDeviceAttachIommufdPt(13, 2, 2), new Ioctl.VfioDeviceAttachIommufdPt.Reply(5)),
                call(new Ioctl.VfioDeviceDetachIommufdPt(9, 1), Done.INSTANCE),
                call(new Ioctl.VfioDeviceGetInfo(17), new Ioctl.VfioDeviceGetInfo.Reply(3, 9, 5)),
                call(new Ioctl.VfioDeviceReset(), Done.INSTANCE),
                call(Ioctl.VfioDeviceGetPciHotResetInfo.withRoomFor(2), new Ioctl.VfioDeviceGetPciHotResetInfo.Reply(3, 2,
                        List.of(new Ioctl.VfioDeviceGetPciHotResetInfo.Entry(-1, 0, 1, 8),
                                new Ioctl.VfioDeviceGetPciHotResetInfo.Entry(0, 0xffff, 0xff, 0xff)))),
                call(new Ioctl.VfioDevicePciHotReset(20, 1, List.of(4, -1)), Done.INSTANCE),
                call(new Ioctl.UnknownIoctl(0x3b, 0x99), Done.INSTANCE),
                call(new Ioctl.VfioGroupGetStatus(9), new Ioctl.VfioGroupGetStatus.Reply(3)),
                call(new Ioctl.VfioGroupSetContainer(-5), Done.INSTANCE),
                call(new Ioctl.VfioGroupUnsetContainer(), Done.INSTANCE),
                call(new Ioctl.VfioGroupGetDeviceFd("0000:01:00.0"), new Ioctl.VfioGroupGetDeviceFd.Reply(8)),
                call(new Ioctl.VfioGetApiVersion(), new Ioctl.VfioGetApiVersion.Reply(0)),
                call(new Ioctl.VfioCheckExtension(9), new Ioctl.VfioCheckExtension.Reply(1)),
                call(new Ioctl.VfioSetIommu(3), Done.INSTANCE),
                call(new Ioctl.VfioIommuMapDma(33, 3, big, 0x10000, 1L << 30), Done.INSTANCE),
                call(new Ioctl.VfioIommuUnmapDma(25, 2, 0, 0), new Ioctl.VfioIommuUnmapDma.Reply(1L << 30)),
                call(new Ioctl.KvmCreateVm(1), new Ioctl.KvmCreateVm.Reply(4)),
                call(new Ioctl.KvmCreateDevice(4, 1), new Ioctl.KvmCreateDevice.Reply(5)),
                call(new Ioctl.KvmSetDeviceAttr(1, 1, -1L, -3), Done.INSTANCE));
        entries.addAll(ioctls);
        return entries;
    }

    private static IoctlCall call(Ioctl<?> request, Object reply) {
        return new IoctlCall(0x7fff_fffe, 1_000_000, request, new Replied(reply));
    }

    @Test
    void everyEntryRoundTripsThroughItsBytes() throws Exception {
        for (JournalEntry entry : everyKindOfEntry()) {
            KernelCall encoded = KernelCall.parseFrom(KernelCalls.encode(entry).toByteArray());

            assertThat(KernelCalls.decode(encoded)).as(entry::toString).isEqualTo(entry);
        }
    }

    @Test
    void theSamplesCoverEveryKindOfEntryAndEveryIoctl() {
        List<JournalEntry> entries = everyKindOfEntry();
        Set<String> kinds = entries.stream().map(entry -> entry.getClass().getSimpleName()).collect(Collectors.toSet());
        Set<String> ioctls = entries.stream().filter(IoctlCall.class::isInstance)
                .map(entry -> ((IoctlCall) entry).request().getClass().getSimpleName()).collect(Collectors.toSet());

        assertThat(kinds).containsExactlyInAnyOrderElementsOf(names(JournalEntry.class.getPermittedSubclasses()));
        assertThat(ioctls).containsExactlyInAnyOrderElementsOf(names(Ioctl.class.getPermittedSubclasses()));
    }

    @Test
    void aCallThatDescribesNoEntryIsRefusedNamingTheField() {
        KernelCall spawnWithoutLimit = KernelCall.newBuilder().setSpawn(io.vfleet.agent.state.v1.SpawnCall.newBuilder()
                .setRequest(io.vfleet.api.agent.v1.SpawnRequest.newBuilder().setName("qemu").setUid(7)).setPid(100)).build();
        KernelCall replyToAnotherIoctl = KernelCalls.encode(call(Ioctl.IommuIoasMap.of(7, 2, 0, 4096, 0),
                new Ioctl.IommuIoasMap.Reply(0))).toBuilder()
                .setIoctl(KernelCalls.encode(call(Ioctl.IommuIoasMap.of(7, 2, 0, 4096, 0), new Ioctl.IommuIoasMap.Reply(0)))
                        .getIoctl().toBuilder().setReply(io.vfleet.api.agent.v1.IoctlResponse.newBuilder()
                                .setKvmCreateVm(io.vfleet.api.agent.v1.KvmCreateVmReply.newBuilder().setFd(3))))
                .build();

        assertThatThrownBy(() -> KernelCalls.decode(KernelCall.getDefaultInstance()))
                .hasMessage("call: no system call is set in the oneof");
        assertThatThrownBy(() -> KernelCalls.decode(spawnWithoutLimit))
                .hasMessage("spawn.request.memlock_limit_bytes: missing; a recorded spawn names the limit");
        assertThatThrownBy(() -> KernelCalls.decode(replyToAnotherIoctl))
                .hasMessage("ioctl.reply: a KVM_CREATE_VM reply to a IOMMU_IOAS_MAP request");
    }

    private static List<String> names(Class<?>[] types) {
        return Arrays.stream(types).map(Class::getSimpleName).toList();
    }
}
