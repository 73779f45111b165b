package io.vfleet.agent.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.vfleet.agent.AgentHosts;
import io.vfleet.agent.TestAgent;
import io.vfleet.agent.kernel.Syscall;
import io.vfleet.agent.state.v1.Change;
import io.vfleet.agent.state.v1.Frame;
import io.vfleet.agent.vmm.Assignment;
import io.vfleet.engine.process.ProcessSpec;
import io.vfleet.engine.snapshot.SnapshotException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The journal's files and its group commit: what a start forgives, what it refuses and why. */
class StateJournalTest {
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
        if (agent != null && agent.journal().failure() == null) {
            agent.close();
        }
    }

    /** Three spawns, each made durable on its own: three frames in one segment. */
    private Path threeDurableSpawns() throws IOException {
        AgentHost host = start();
        for (int i = 0; i < 3; i++) {
            host.call(new Syscall.Spawn(QEMU));
            agent.journal().awaitDurable();
        }
        return segment();
    }

    // ---- what a crash leaves, forgiven ----

    @Test
    void aSegmentIsPreallocatedAndEndsWhereItsZerosStart() throws IOException {
        Path segment = threeDurableSpawns();

        assertThat(Files.size(segment)).as("written in place, never grown").isEqualTo(StateJournal.SEGMENT_BYTES);
        JournalRecovery.Recovered read = JournalRecovery.read(state);
        assertThat(read.tornTails()).as("the zeros are the end, not a crash").isEmpty();
        assertThat(read.lastSequence()).isEqualTo(3);
        assertThat(pids(start())).containsExactly(100, 101, 102);
    }

    @Test
    void aFrameTornByACrashInThePreallocatedSpaceIsDroppedAndTheRestRestored() throws IOException {
        Path segment = threeDurableSpawns();
        long end = Frames.read(Files.readAllBytes(segment), true).end();
        byte[] unfinished = Frames.frame(Frame.newBuilder().addChanges(Change.newBuilder().setSequence(4)
                .setKernel(KernelCalls.encode(new io.vfleet.engine.JournalEntry.Exit(100)))).build().toByteArray());
        writeAt(segment, end, java.util.Arrays.copyOf(unfinished, unfinished.length - 3));

        assertThat(JournalRecovery.read(state).tornTails()).singleElement().asString()
                .startsWith(segment + ": frame 4 at byte " + end + ": checksum mismatch")
                .endsWith("; dropped " + (unfinished.length - 3) + " bytes torn by a crash (never answered)");
        AgentHost after = start();

        assertThat(pids(after)).containsExactly(100, 101, 102);
        assertThat(after.call(new Syscall.Spawn(QEMU))).isEqualTo(103);
    }

    @Test
    void aFrameWhoseLaterBlocksReachedTheDiskBeforeItsHeaderIsTornNotDamage() throws IOException {
        Path segment = threeDurableSpawns();
        long end = Frames.read(Files.readAllBytes(segment), true).end();
        writeAt(segment, end + 600, new byte[] {0x13, 0x37, 0x42});

        assertThat(JournalRecovery.read(state).tornTails()).singleElement().asString()
                .contains("frame 4 at byte " + end + ": the frame header is damaged (no frame magic)");
        assertThat(pids(start())).containsExactly(100, 101, 102);
    }

    @Test
    void aSegmentRenamedIntoPlaceWithNoFrameYetHoldsNothing() throws IOException {
        threeDurableSpawns();
        byte[] spare = new byte[4096];
        System.arraycopy(JournalRecovery.SEGMENT_KIND.header(), 0, spare, 0, Frames.FILE_HEADER_BYTES);
        Files.write(state.resolve(JournalRecovery.segmentName(4)), spare);

        assertThat(JournalRecovery.read(state).tornTails()).isEmpty();
        AgentHost after = start();

        assertThat(pids(after)).containsExactly(100, 101, 102);
        assertThat(after.call(new Syscall.Spawn(QEMU))).isEqualTo(103);
        agent.journal().awaitDurable();
    }

    @Test
    void aTailOfZerosAfterTheFileEndIsTheEndToo() throws IOException {
        Path segment = threeDurableSpawns();
        Files.write(segment, new byte[4096], StandardOpenOption.APPEND);

        assertThat(pids(start())).containsExactly(100, 101, 102);
    }

    @Test
    void framesThatOutgrowASegmentGoOnInTheNextAndAllComeBack() throws IOException {
        agent = TestAgent.open(AgentHosts.shipped("gpu-server-8x"), state, TestAgent.COMPACT_AFTER_CHANGES, 256);
        for (int i = 0; i < 12; i++) {
            agent.host().call(new Syscall.Spawn(QEMU));
            agent.journal().awaitDurable();
        }
        agent.close();
        List<Path> segments;
        try (var files = Files.list(state)) {
            segments = files.filter(file -> file.getFileName().toString().startsWith("journal-")).sorted().toList();
        }
        assertThat(segments).as("each a few frames of 256 bytes").hasSizeGreaterThan(2);
        assertThat(JournalRecovery.read(state).tornTails()).isEmpty();

        assertThat(pids(start())).hasSize(12);
    }

    @Test
    void aSegmentWhoseHeaderACrashCutShortIsDropped() throws IOException {
        threeDurableSpawns();
        agent.close();
        Files.write(state.resolve(JournalRecovery.segmentName(4)), new byte[] {'V', 'F'});

        assertThat(pids(start())).containsExactly(100, 101, 102);
    }

    // ---- damage, refused ----

    @Test
    void aDamagedFrameWithWholeFramesAfterItIsRefusedNamingWhere() throws IOException {
        Path segment = threeDurableSpawns();
        byte[] bytes = Files.readAllBytes(segment);
        List<Frames.Frame> frames = Frames.read(bytes).frames();
        long second = frames.get(1).offset();
        bytes[(int) second + Frames.FRAME_HEADER_BYTES + 3] ^= 0x10;
        Files.write(segment, bytes);

        StateException refused = catchThrowableOfType(StateException.class, this::start);

        assertThat(refused).hasMessageStartingWith(segment + ": frame 2 at byte " + second + ": checksum mismatch: ")
                .hasMessageEndingWith(", and a whole frame follows at byte " + frames.get(2).offset()
                        + ": the journal is damaged in the middle, not torn by a crash, and answered changes may follow");
    }

    @Test
    void aFrameLostInTheMiddleWithWholeFramesAfterItIsRefused() throws IOException {
        Path segment = threeDurableSpawns();
        List<Frames.Frame> frames = Frames.read(Files.readAllBytes(segment), true).frames();
        long second = frames.get(1).offset();
        writeAt(segment, second, new byte[(int) (frames.get(2).offset() - second)]);

        assertThatThrownBy(this::start).isInstanceOf(StateException.class)
                .hasMessageStartingWith(segment + ": frame 2 at byte " + second + ": the frame header is damaged (no frame magic)")
                .hasMessageEndingWith(", and a whole frame follows at byte " + frames.get(2).offset()
                        + ": the journal is damaged in the middle, not torn by a crash, and answered changes may follow");
    }

    @Test
    void aDamagedFrameHeaderInTheMiddleIsRefused() throws IOException {
        Path segment = threeDurableSpawns();
        byte[] bytes = Files.readAllBytes(segment);
        long first = Frames.read(bytes).frames().getFirst().offset();
        bytes[(int) first + 5] ^= 0x01;
        Files.write(segment, bytes);

        assertThatThrownBy(this::start).isInstanceOf(StateException.class)
                .hasMessageContaining("frame 1 at byte " + first + ": the frame header is damaged (header checksum mismatch)")
                .hasMessageContaining("damaged in the middle");
    }

    @Test
    void aDamagedBaseIsRefused() throws IOException {
        threeDurableSpawns();
        agent.close();
        Path base = state.resolve(JournalRecovery.BASE);
        byte[] bytes = Files.readAllBytes(base);
        bytes[bytes.length - 1] ^= 0x01;
        Files.write(base, bytes);

        assertThatThrownBy(this::start).isInstanceOf(StateException.class)
                .hasMessageStartingWith(base + ": frame 1 at byte 12: checksum mismatch")
                .hasMessageEndingWith("(a base is renamed into place only once it is whole, so this is damage, not a crash)");
        agent = null;
    }

    @Test
    void filesOfANewerFormatAreRefused() throws IOException {
        Path segment = threeDurableSpawns();
        byte[] bytes = Files.readAllBytes(segment);
        ByteBuffer.wrap(bytes).putInt(8, JournalRecovery.SEGMENT_KIND.version() + 1);
        Files.write(segment, bytes);

        assertThatThrownBy(this::start).isInstanceOf(StateException.class)
                .hasMessage(segment + ": format version 2 is newer than this agent reads (1); it was written by a newer agent");
    }

    @Test
    void aChangeThatReplaysDifferentlyIsRefusedNamingTheChange() throws IOException {
        AgentHost host = start();
        int pid = host.call(new Syscall.Spawn(QEMU));
        agent.journal().awaitDurable();
        host.call(new Syscall.Open(pid, "/dev/iommu", 2));
        agent.journal().awaitDurable();
        Path segment = segment();
        long second = Frames.read(Files.readAllBytes(segment)).frames().get(1).offset();
        rewrite(segment, change -> change.getKernel().hasOpen()
                ? change.toBuilder().setKernel(change.getKernel().toBuilder().setOpen(change.getKernel().getOpen().toBuilder().setFd(7)))
                        .build()
                : change);

        StateException refused = catchThrowableOfType(StateException.class, this::start);

        assertThat(refused).hasMessage(segment + ": frame 2 at byte " + second + ", change 2: diverged on replay: the fd differs: "
                + "recorded 7, replayed 0").hasCauseInstanceOf(SnapshotException.class);
    }

    @Test
    void missingChangesAreRefused() throws IOException {
        Path segment = threeDurableSpawns();
        rewrite(segment, change -> change.getSequence() == 3 ? change.toBuilder().setSequence(5).build() : change);

        assertThatThrownBy(this::start).isInstanceOf(StateException.class)
                .hasMessageEndingWith(": change 5 where change 3 was due (the segment starts at 1)");
    }

    @Test
    void segmentsWithoutABaseAreRefused() throws IOException {
        threeDurableSpawns();
        Files.delete(state.resolve(JournalRecovery.BASE));

        assertThatThrownBy(this::start).isInstanceOf(StateException.class)
                .hasMessageContaining("holds journal segments (journal-00000000000000000001.log, ...) but no agent.base");
    }

    @Test
    void theFilesOfAnEarlierAgentAreRefusedRatherThanBootingEmpty() throws IOException {
        Files.writeString(state.resolve("kernel.snapshot"), "vfleet-engine-snapshot 1\n");
        Files.writeString(state.resolve("assignments.json"), "{}");

        assertThatThrownBy(this::start).isInstanceOf(StateException.class)
                .hasMessageContaining("holds the kernel.snapshot and assignments.json of an earlier agent and no agent.base")
                .hasMessageEndingWith("To start this host as after a reboot, remove kernel.snapshot and assignments.json (the "
                        + "assignment service's reconciliation then releases what the host held)");
        assertThat(state.resolve(JournalRecovery.BASE)).doesNotExist();
        agent = null;
    }

    // ---- group commit ----

    @Test
    void callersWaitingTogetherShareOneFlush() throws Exception {
        start();
        StateJournal journal = agent.journal();
        StateJournal.Statistics before = journal.statistics();
        List<Thread> callers = new ArrayList<>();
        journal.flushLock.lock();
        try {
            for (int caller = 0; caller < 3; caller++) {
                String id = "a-" + caller;
                callers.add(Thread.ofPlatform().start(() -> {
                    journal.put(new Assignment(id, "acme", List.of("0000:18:00.0"), false, 1, null));
                    journal.awaitDurable();
                }));
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            // One waits for the flush lock to flush for all, the other two for that flush to end.
            while (journal.flushLock.getQueueLength() + journal.waitingForAFlush() < 3) {
                assertThat(System.nanoTime()).as("the three callers line up behind the flush").isLessThan(deadline);
                Thread.sleep(1);
            }
        } finally {
            journal.flushLock.unlock();
        }
        for (Thread caller : callers) {
            caller.join();
        }

        StateJournal.Statistics after = journal.statistics();
        assertThat(after.changes() - before.changes()).isEqualTo(3);
        assertThat(after.flushes() - before.flushes()).as("one frame, one fsync for the three").isEqualTo(1);
    }

    @Test
    void aCallerWaitsForItsOwnChangesNotForThoseOthersMadeAfterThem() throws Exception {
        start();
        StateJournal journal = agent.journal();
        journal.takeAppendedByThisThread();
        journal.put(new Assignment("mine", "acme", List.of("0000:18:00.0"), false, 1, null));
        long mine = journal.takeAppendedByThisThread();
        journal.awaitDurable(mine);
        long[] theirs = new long[2];
        Thread other = Thread.ofPlatform().start(() -> {
            journal.put(new Assignment("theirs", "acme", List.of("0000:19:00.0"), false, 1, null));
            theirs[0] = journal.takeAppendedByThisThread();
            theirs[1] = journal.takeAppendedByThisThread();
        });
        other.join();
        long flushes = journal.statistics().flushes();

        journal.awaitDurable(mine);

        assertThat(theirs).containsExactly(mine + 1, 0);
        assertThat(journal.statistics().flushes()).as("no sync for a change that is not this caller's").isEqualTo(flushes);
        assertThat(journal.appended()).isEqualTo(mine + 1);
    }

    @Test
    void aFailedFlushStopsEveryAnswerForGood() throws IOException {
        AgentHost host = start();
        Files.createDirectory(state.resolve(JournalRecovery.segmentName(1)));
        host.call(new Syscall.Spawn(QEMU));

        JournalFailure failed = catchThrowableOfType(JournalFailure.class, agent.journal()::awaitDurable);

        assertThat(failed).hasMessageStartingWith("the agent's journal cannot make changes durable: ");
        assertThat(agent.journal().failure()).isNotNull();
        assertThatThrownBy(agent.journal()::awaitDurable).as("even with nothing new pending").isInstanceOf(JournalFailure.class);
    }

    private static void writeAt(Path file, long position, byte[] bytes) throws IOException {
        try (var channel = java.nio.channels.FileChannel.open(file, StandardOpenOption.WRITE)) {
            ByteBuffer buffer = ByteBuffer.wrap(bytes);
            while (buffer.hasRemaining()) {
                position += channel.write(buffer, position);
            }
        }
    }

    private Path segment() throws IOException {
        try (var files = Files.list(state)) {
            return files.filter(file -> file.getFileName().toString().startsWith("journal-")).sorted().toList().getLast();
        }
    }

    /** Rewrites every change of {@code segment} through {@code edit}, each frame framed anew: what a tool that knows the format would do. */
    private static void rewrite(Path segment, UnaryOperator<Change> edit) throws IOException {
        byte[] bytes = Files.readAllBytes(segment);
        var out = new java.io.ByteArrayOutputStream();
        out.write(bytes, 0, Frames.FILE_HEADER_BYTES);
        for (Frames.Frame frame : Frames.read(bytes).frames()) {
            Frame.Builder edited = Frame.newBuilder();
            Frame.parseFrom(frame.payload()).getChangesList().forEach(change -> edited.addChanges(edit.apply(change)));
            out.write(Frames.frame(edited.build().toByteArray()));
        }
        Files.write(segment, out.toByteArray());
    }

    private static List<Integer> pids(AgentHost host) {
        return host.inspect(kernel -> kernel.pids());
    }
}
