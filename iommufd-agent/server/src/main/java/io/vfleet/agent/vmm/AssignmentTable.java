package io.vfleet.agent.vmm;

import io.vfleet.agent.state.AtomicFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * The agent's own table of assignments (id → pid, files, epoch) and of the uid each tenant's VMMs run
 * as, kept in one JSON file next to the kernel state and replaced atomically on each change, so that
 * a restart finds the processes it prepared.
 */
public final class AssignmentTable {
    static final String FILE = "assignments.json";
    /** A field added since a table was written (a device's function reset, its noiommu kind) reads as false. */
    private static final JsonMapper JSON = JsonMapper.builder()
            .disable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .build();

    /** The file's content. */
    /** @param nodeEpoch the newest fencing epoch the node has seen from the controller; 0 in a table written before it */
    public record Content(Map<String, Integer> tenantUids, List<Assignment> assignments, long nodeEpoch) {
        public Content {
            tenantUids = new TreeMap<>(tenantUids);
            assignments = List.copyOf(assignments);
        }
    }

    private final Path file;

    public AssignmentTable(Path directory) {
        this.file = directory.resolve(FILE);
    }

    public Content load() {
        if (!Files.exists(file)) {
            return new Content(Map.of(), List.of(), 0);
        }
        try {
            return JSON.readValue(Files.readString(file), Content.class);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    public void save(Content content) {
        try {
            AtomicFiles.write(file, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(content));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }
}
