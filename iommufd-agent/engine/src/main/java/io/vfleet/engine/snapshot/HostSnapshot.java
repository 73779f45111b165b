package io.vfleet.engine.snapshot;

import io.vfleet.engine.Host;
import io.vfleet.engine.JournalEntry;
import io.vfleet.engine.topology.HostTopology;
import io.vfleet.engine.uapi.Ioctl;
import io.vfleet.engine.vfio.VfioDevice;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32C;

/**
 * A host's whole state as a versioned text file, so that the agent can restart without its VMs
 * noticing: same pids, fds, object IDs and devids, mappings, pins and memlock charges, bindings,
 * attachments, DMA ownership, group, container and KVM state, and reset counters.
 *
 * <p>The state is not serialised object by object. The engine is deterministic, so a snapshot is
 * the host's topology, the counters that outlive processes ({@link SnapshotCounter}) and the
 * journal of the system calls that built the live state ({@link Host#journal()}); reading it
 * boots the topology and replays the journal ({@link JournalReplay}), checking every answer
 * against the recorded one.
 *
 * <p>Format, version 2, UTF-8, one item per line:
 * <pre>
 * vfleet-engine-snapshot 2
 * topology 1        then the {@link HostTopology} record
 * counters N        then N {@link SnapshotCounter} records
 * journal N         then N {@link JournalEntry} records, in call order
 * checksum crc32c X CRC-32C of every byte before this line, 8 lowercase hex digits
 * </pre>
 * Records are written through their components ({@link RecordText}). A file from another version
 * of the format (version 1 held the topology as YAML), with a checksum that does not match, truncated, or with a line that does not parse is refused
 * with a {@link SnapshotException} that says why and names the line.
 */
public final class HostSnapshot {
    /** The format version this engine writes and the newest it reads. */
    public static final int VERSION = 2;
    static final String MAGIC = "vfleet-engine-snapshot";
    private static final String CHECKSUM = "checksum crc32c ";

    private static final RecordText TEXT = new RecordText(List.of(JournalEntry.class, Ioctl.class, SnapshotCounter.class));

    private HostSnapshot() {
    }

    /**
     * Writes {@code host}'s snapshot to {@code file} atomically: a temporary file in the same
     * directory is written and fsynced, then renamed over {@code file}, and the directory is
     * fsynced, so a crash leaves either the old snapshot or the new one, never a mix.
     */
    public static void write(Host host, Path file) {
        byte[] bytes = encode(host).getBytes(StandardCharsets.UTF_8);
        Path directory = file.toAbsolutePath().getParent();
        Path temporary = null;
        try {
            temporary = Files.createTempFile(directory, "." + file.getFileName() + ".", ".tmp");
            try (FileChannel channel = FileChannel.open(temporary, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                ByteBuffer buffer = ByteBuffer.wrap(bytes);
                while (buffer.hasRemaining()) {
                    channel.write(buffer);
                }
                channel.force(true);
            }
            Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE);
            temporary = null;
            try (FileChannel directoryChannel = FileChannel.open(directory, StandardOpenOption.READ)) {
                directoryChannel.force(true);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("writing snapshot " + file, e);
        } finally {
            if (temporary != null) {
                try {
                    Files.deleteIfExists(temporary);
                } catch (IOException ignored) {
                    // the write already failed; that failure is the one to report
                }
            }
        }
    }

    /** The snapshot text of {@code host}, taken under the host lock: one consistent state. */
    public static String encode(Host host) {
        // Entries and counters are immutable: take them under the host lock, format them outside it,
        // so that encoding does not hold up the host's system calls.
        record Taken(List<SnapshotCounter> counters, List<JournalEntry> journal) {
        }
        Taken taken = host.inspect(() -> new Taken(counters(host), host.journal()));
        StringBuilder out = new StringBuilder();
        out.append(MAGIC).append(' ').append(VERSION).append('\n');
        section(out, "topology", List.of(TEXT.write(host.topology(), HostTopology.class)));
        section(out, "counters", taken.counters().stream().map(counter -> TEXT.write(counter, SnapshotCounter.class)).toList());
        section(out, "journal", taken.journal().stream().map(entry -> TEXT.write(entry, JournalEntry.class)).toList());
        String checksum = crc32c(out.toString());
        out.append(CHECKSUM).append(checksum).append('\n');
        return out.toString();
    }

    /** Reads the snapshot in {@code file} back into a running host; see {@link #decode}. */
    public static Host restore(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("reading snapshot " + file, e);
        }
        return decode(text);
    }

    /**
     * Boots the snapshot's topology and replays its journal. Any refusal (format, checksum,
     * parse, or a replayed call that answers differently from the recorded one) is a
     * {@link SnapshotException}, and no host is returned.
     */
    public static Host decode(String text) {
        List<String> lines = checkedLines(text);
        Sections sections = new Sections(lines);
        int topologyStart = sections.position + 1;
        List<String> topologyLines = sections.next("topology");
        if (topologyLines.size() != 1) {
            throw new SnapshotException("line " + topologyStart + ": the topology section holds " + topologyLines.size()
                    + " lines; it is one record");
        }
        HostTopology topology = parse(topologyLines, topologyStart, HostTopology.class).getFirst();
        int countersStart = sections.position + 1;
        List<SnapshotCounter> counters = parse(sections.next("counters"), countersStart, SnapshotCounter.class);
        int journalStart = sections.position + 1;
        List<JournalEntry> journal = parse(sections.next("journal"), journalStart, JournalEntry.class);
        sections.end();
        return JournalReplay.replay(topology, new JournalReplay.Numbered<>(journal, journalStart + 1),
                new JournalReplay.Numbered<>(counters, countersStart + 1));
    }

    private static List<SnapshotCounter> counters(Host host) {
        List<SnapshotCounter> counters = new ArrayList<>();
        counters.add(new SnapshotCounter.NextIds(host.nextPid(), host.nextVmId()));
        for (Map.Entry<Integer, Long> user : host.lockedPagesByUser().entrySet()) {
            counters.add(new SnapshotCounter.User(user.getKey(), user.getValue()));
        }
        for (VfioDevice device : host.vfioDevices()) {
            counters.add(new SnapshotCounter.Device(device.name(), device.resets(), device.needsReset()));
        }
        return counters;
    }

    private static void section(StringBuilder out, String name, List<String> lines) {
        out.append(name).append(' ').append(lines.size()).append('\n');
        for (String line : lines) {
            if (line.indexOf('\n') >= 0) {
                throw new AssertionError("a " + name + " line spans lines: " + line);
            }
            out.append(line).append('\n');
        }
    }

    /** Checks the header line and the checksum; returns every line but the checksum line. */
    private static List<String> checkedLines(String text) {
        if (text.isEmpty()) {
            throw new SnapshotException("line 1: the snapshot is empty");
        }
        List<String> lines = new ArrayList<>(List.of(text.split("\n", -1)));
        String header = lines.getFirst();
        if (!header.startsWith(MAGIC + " ")) {
            throw new SnapshotException("line 1: not an engine snapshot (expected '" + MAGIC + " <version>', found '"
                    + abbreviate(header) + "')");
        }
        int version;
        try {
            version = Integer.parseInt(header.substring(MAGIC.length() + 1));
        } catch (NumberFormatException e) {
            throw new SnapshotException("line 1: snapshot format version '" + abbreviate(header.substring(MAGIC.length() + 1))
                    + "' is not a number");
        }
        if (version > VERSION) {
            throw new SnapshotException("snapshot format version " + version + " is newer than this engine supports (" + VERSION + ")");
        }
        if (version < 1) {
            throw new SnapshotException("line 1: snapshot format version " + version + " does not exist");
        }
        if (version < VERSION) {
            throw new SnapshotException("snapshot format version " + version + " is older than this engine reads (" + VERSION + ")");
        }
        if (!lines.getLast().isEmpty()) {
            throw new SnapshotException("line " + lines.size() + ": truncated: the last line has no end and no checksum follows it");
        }
        lines.removeLast();
        int checksumLine = lines.size();
        String last = lines.getLast();
        if (!last.startsWith(CHECKSUM)) {
            throw new SnapshotException("line " + checksumLine + ": truncated: the snapshot does not end with its '"
                    + CHECKSUM.strip() + "' line");
        }
        String recorded = last.substring(CHECKSUM.length());
        String actual = crc32c(text.substring(0, text.length() - last.length() - 1));
        if (!recorded.equals(actual)) {
            throw new SnapshotException("line " + checksumLine + ": checksum mismatch: the file says " + abbreviate(recorded)
                    + ", its content gives " + actual + " (corrupted or edited)");
        }
        lines.removeLast();
        return lines;
    }

    private static <T> List<T> parse(List<String> lines, int firstLine, Class<T> type) {
        List<T> values = new ArrayList<>(lines.size());
        for (int i = 0; i < lines.size(); i++) {
            try {
                values.add(type.cast(TEXT.read(lines.get(i), type)));
            } catch (RecordText.MalformedText e) {
                throw new SnapshotException("line " + (firstLine + i + 1) + ": malformed " + type.getSimpleName() + ": "
                        + e.getMessage() + " in '" + abbreviate(lines.get(i)) + "'");
            }
        }
        return values;
    }

    /** Reads the {@code name count} section headers in order. */
    private static final class Sections {
        private final List<String> lines;
        private int position = 1;

        Sections(List<String> lines) {
            this.lines = lines;
        }

        List<String> next(String name) {
            int lineNumber = position + 1;
            if (position >= lines.size()) {
                throw new SnapshotException("line " + lineNumber + ": truncated: the '" + name + "' section is missing");
            }
            String header = lines.get(position);
            int count;
            try {
                if (!header.startsWith(name + " ")) {
                    throw new NumberFormatException();
                }
                count = Integer.parseInt(header.substring(name.length() + 1));
                if (count < 0) {
                    throw new NumberFormatException();
                }
            } catch (NumberFormatException e) {
                throw new SnapshotException("line " + lineNumber + ": expected the section header '" + name + " <lines>', found '"
                        + abbreviate(header) + "'");
            }
            if (position + 1 + count > lines.size()) {
                throw new SnapshotException("line " + lineNumber + ": truncated: the '" + name + "' section announces " + count
                        + " lines, only " + (lines.size() - position - 1) + " follow");
            }
            List<String> body = lines.subList(position + 1, position + 1 + count);
            position += 1 + count;
            return body;
        }

        void end() {
            if (position != lines.size()) {
                throw new SnapshotException("line " + (position + 1) + ": unexpected text after the journal: '"
                        + abbreviate(lines.get(position)) + "'");
            }
        }
    }

    static String crc32c(String text) {
        CRC32C crc = new CRC32C();
        crc.update(text.getBytes(StandardCharsets.UTF_8));
        return String.format("%08x", crc.getValue());
    }

    private static String abbreviate(String text) {
        return text.length() <= 80 ? text : text.substring(0, 77) + "...";
    }
}
