package io.vfleet.agent.state;

import com.google.protobuf.InvalidProtocolBufferException;
import io.vfleet.agent.state.StateJournal.RecordedChange;
import io.vfleet.agent.state.v1.Base;
import io.vfleet.agent.state.v1.Change;
import io.vfleet.agent.state.v1.Frame;
import io.vfleet.agent.vmm.Assignment;
import io.vfleet.engine.snapshot.HostSnapshot;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Reads a state directory back: the base, then every change the journal's segments hold after it, in
 * sequence order. What it refuses and what it forgives:
 * <ul>
 *   <li>A segment is written into preallocated zeros ({@link SegmentSpares}): the zeros after its last
 *   whole frame are where it ends, and say nothing of a crash.
 *   <li>A frame that is not whole at the end of a segment (before its zeros), with no whole frame after
 *   it, is the write a crash interrupted. Its flush never finished, so no caller was answered for it: it is dropped,
 *   with a warning that says how many bytes. (A segment that later segments follow can end so when
 *   the agent restarted after the crash; the next segment then starts right after its last whole
 *   change, which the sequence check below confirms.)
 *   <li>A damaged frame with a whole frame after it, or a damaged base, is damage, not a crash:
 *   refused, since dropping it would drop changes that were answered.
 *   <li>A whole frame that does not parse, a change that does not describe a record, a sequence that
 *   skips (changes missing, as when a damaged tail held answered changes), or a file of a newer
 *   format: refused.
 * </ul>
 * A directory without a base holds no state; segments without a base are refused.
 */
final class JournalRecovery {
    static final String BASE = "agent.base";
    static final Frames.Kind BASE_KIND = new Frames.Kind("VFLTBASE", 1, "vfleet agent base");
    static final Frames.Kind SEGMENT_KIND = new Frames.Kind("VFLTJRNL", 1, "vfleet agent journal segment");
    private static final Pattern SEGMENT = Pattern.compile("journal-(\\d{20})\\.log");
    /** What agents before the journal kept; this agent does not read them. */
    private static final List<String> EARLIER_FILES = List.of("kernel.snapshot", "assignments.json", "syscalls.journal");

    /** A segment file and the last change it holds (its first minus one when it holds none). */
    record SegmentFile(Path path, long firstSequence, long lastSequence) {
    }

    /** Everything a state directory holds. */
    record Recovered(long baseSequence, HostSnapshot kernelBase, List<RecordedChange> kernelChanges,
            Map<String, Assignment> assignments, Map<String, Integer> tenantUids, long nodeTerm, long lastSequence,
            List<SegmentFile> segments, List<String> tornTails) {
    }

    private final Path directory;
    private final Map<String, Assignment> assignments = new LinkedHashMap<>();
    private final Map<String, Integer> tenantUids = new TreeMap<>();
    private long nodeTerm;
    private final List<RecordedChange> kernelChanges = new ArrayList<>();
    private final List<SegmentFile> segments = new ArrayList<>();
    private long baseSequence;
    private long lastSequence;
    private final List<String> tornTails = new ArrayList<>();

    private JournalRecovery(Path directory) {
        this.directory = directory;
    }

    static Recovered read(Path directory) {
        return new JournalRecovery(directory).readAll();
    }

    static String segmentName(long firstSequence) {
        return String.format("journal-%020d.log", firstSequence);
    }

    private Recovered readAll() {
        List<Path> segmentPaths = segmentPaths();
        Path base = directory.resolve(BASE);
        if (!Files.exists(base)) {
            if (!segmentPaths.isEmpty()) {
                throw new StateException(directory + " holds journal segments (" + segmentPaths.getFirst().getFileName()
                        + ", ...) but no " + BASE + " for them to apply to; refusing to start on a fresh host instead");
            }
            List<String> earlier = EARLIER_FILES.stream().filter(file -> Files.exists(directory.resolve(file))).toList();
            if (!earlier.isEmpty()) {
                throw new StateException(directory + " holds the " + String.join(" and ", earlier) + " of an earlier agent and no "
                        + BASE + "; this agent cannot read them, and does not start on a fresh host by itself, which would drop "
                        + "the state they hold. To start this host as after a reboot, remove " + String.join(" and ", earlier)
                        + " (the assignment service's reconciliation then releases what the host held)");
            }
            return new Recovered(0, null, List.of(), Map.of(), Map.of(), 0, 0, List.of(), List.of());
        }
        HostSnapshot kernelBase = readBase(base);
        lastSequence = baseSequence;
        for (Path segment : segmentPaths) {
            readSegment(segment);
        }
        return new Recovered(baseSequence, kernelBase, List.copyOf(kernelChanges), assignments, tenantUids, nodeTerm, lastSequence,
                List.copyOf(segments), List.copyOf(tornTails));
    }

    private List<Path> segmentPaths() {
        try (Stream<Path> files = Files.list(directory)) {
            return files.filter(file -> SEGMENT.matcher(file.getFileName().toString()).matches()).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list the state directory " + directory, e);
        }
    }

    private HostSnapshot readBase(Path path) {
        String file = path.toString();
        byte[] bytes = readBytes(path);
        Frames.checkHeader(file, bytes, BASE_KIND);
        Frames.Read read = Frames.read(bytes);
        if (read.damage() != null) {
            throw new StateException(file + ": " + read.damage().where() + ": " + read.damage().why()
                    + " (a base is renamed into place only once it is whole, so this is damage, not a crash)");
        }
        if (read.frames().size() != 1) {
            throw new StateException(file + ": holds " + read.frames().size() + " frames, a base holds one");
        }
        Frames.Frame frame = read.frames().getFirst();
        String where = file + ": " + "frame 1 at byte " + frame.offset();
        Base base;
        try {
            base = Base.parseFrom(frame.payload());
        } catch (InvalidProtocolBufferException malformed) {
            throw new StateException(where + ": the checksum is right but the base does not parse: " + malformed.getMessage());
        }
        baseSequence = base.getSequence();
        try {
            for (var assignment : base.getAssignmentsList()) {
                Assignment decoded = StateRecords.decode(assignment);
                assignments.put(decoded.id(), decoded);
            }
            base.getTenantUidsList().forEach(uid -> tenantUids.put(uid.getTenant(), uid.getUid()));
            nodeTerm = base.getNodeTerm();
            return base.hasKernel() ? StateRecords.decode(base.getKernel()) : null;
        } catch (IllegalArgumentException malformed) {
            throw new StateException(where + ": " + malformed.getMessage(), malformed);
        }
    }

    private void readSegment(Path path) {
        String file = path.toString();
        Matcher name = SEGMENT.matcher(path.getFileName().toString());
        if (!name.matches()) {
            throw new AssertionError("listed as a segment: " + path);
        }
        long first = Long.parseLong(name.group(1));
        byte[] bytes = readBytes(path);
        if (bytes.length < Frames.FILE_HEADER_BYTES) {
            // Being created, its header not yet synced, when the agent stopped: it held nothing yet.
            tornTails.add(file + ": " + bytes.length + " bytes of a segment header, dropped (the segment was being created)");
            segments.add(new SegmentFile(path, first, first - 1));
            return;
        }
        Frames.checkHeader(file, bytes, SEGMENT_KIND);
        Frames.Read read = Frames.read(bytes, true);
        long expected = first;
        for (Frames.Frame frame : read.frames()) {
            String where = file + ": frame " + frame.number() + " at byte " + frame.offset();
            Frame changes;
            try {
                changes = Frame.parseFrom(frame.payload());
            } catch (InvalidProtocolBufferException malformed) {
                throw new StateException(where + ": the checksum is right but the frame does not parse: " + malformed.getMessage());
            }
            for (Change change : changes.getChangesList()) {
                if (change.getSequence() != expected) {
                    throw new StateException(where + ": change " + Long.toUnsignedString(change.getSequence()) + " where change "
                            + expected + " was due (the segment starts at " + first + ")");
                }
                expected++;
                apply(change, where);
            }
        }
        segments.add(new SegmentFile(path, first, expected - 1));
        Frames.Damage damage = read.damage();
        if (damage == null) {
            return;
        }
        String what = file + ": " + damage.where() + ": " + damage.why();
        if (damage.nextWholeFrame() >= 0) {
            throw new StateException(what + ", and a whole frame follows at byte " + damage.nextWholeFrame()
                    + ": the journal is damaged in the middle, not torn by a crash, and answered changes may follow");
        }
        tornTails.add(what + "; dropped " + (read.end() - damage.offset()) + " bytes torn by a crash (never answered)");
    }

    private void apply(Change change, String frame) {
        long sequence = change.getSequence();
        if (Long.compareUnsigned(sequence, baseSequence) <= 0) {
            return;
        }
        if (sequence != lastSequence + 1) {
            throw new StateException(frame + ": change " + Long.toUnsignedString(sequence) + " follows change " + lastSequence
                    + ": the changes between them are missing");
        }
        String where = frame + ", change " + sequence;
        try {
            switch (change.getChangeCase()) {
                case KERNEL -> kernelChanges.add(new RecordedChange(KernelCalls.decode(change.getKernel()), where));
                case ASSIGNMENT -> {
                    Assignment assignment = StateRecords.decode(change.getAssignment());
                    assignments.put(assignment.id(), assignment);
                }
                case TENANT_UID -> tenantUids.put(change.getTenantUid().getTenant(), change.getTenantUid().getUid());
                case NODE_TERM -> nodeTerm = change.getNodeTerm();
                case CHANGE_NOT_SET -> throw new IllegalArgumentException("change: nothing is set in the oneof");
            }
        } catch (IllegalArgumentException malformed) {
            throw new StateException(where + ": " + malformed.getMessage(), malformed);
        }
        lastSequence = sequence;
    }

    private static byte[] readBytes(Path path) {
        try {
            return Files.readAllBytes(path);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + path, e);
        }
    }
}
