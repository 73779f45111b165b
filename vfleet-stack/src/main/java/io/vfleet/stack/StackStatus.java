package io.vfleet.stack;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

/**
 * What a running launcher tells {@code ./vfleet status}: its phase and, for every process of the
 * stack, its pid, ports, health probes, log and what the supervisor knows of it. The launcher
 * rewrites {@code stack.json} in its state directory at every change (a whole new file moved into
 * place, so a reader never sees half of one); it holds no secret.
 *
 * @param launcherPid the launcher's own process
 * @param processes   in the order they start
 */
public record StackStatus(long launcherPid, Instant startedAt, Phase phase, List<Entry> processes) {
    static final String FILE = "stack.json";
    private static final JsonMapper JSON = JsonMapper.builder().build();

    public enum Phase {
        /** Starting its processes, or waiting for them to be healthy. */
        STARTING,
        /** Every process started and healthy once; the supervisor watches them. */
        UP,
        /** Stopping in reverse order. */
        STOPPING
    }

    /**
     * One process.
     *
     * @param pid         null before it first started
     * @param supervision null before the supervisor watches it
     * @param lastCrash   how its last crash went, if it had one
     */
    public record Entry(String name, Long pid, Map<String, Integer> ports, List<HealthProbe> probes, Path log,
            Supervisor.State supervision, int restarts, String lastCrash, Instant lastCrashAt) {}

    public StackStatus {
        processes = List.copyOf(processes);
    }

    /** The status of {@code stack} now; {@code supervisor} is empty until the stack is up. */
    static StackStatus of(Stack stack, Optional<Supervisor> supervisor, Instant startedAt, Phase phase) {
        List<Entry> entries = new ArrayList<>();
        for (ChildProcess child : stack.processes()) {
            Long pid = child.startedAt().isPresent() ? child.pid() : null;
            Optional<Supervisor.ChildStatus> watched = supervisor.map(watching -> watching.status(child));
            entries.add(new Entry(child.name(), pid, child.spec().ports(), child.spec().probes(), child.log(),
                    watched.map(Supervisor.ChildStatus::state).orElse(null),
                    watched.map(Supervisor.ChildStatus::restarts).orElse(0),
                    watched.flatMap(Supervisor.ChildStatus::lastCrash).orElse(null),
                    watched.flatMap(Supervisor.ChildStatus::lastCrashAt).orElse(null)));
        }
        return new StackStatus(ProcessHandle.current().pid(), startedAt, phase, entries);
    }

    static Path file(Path stateDirectory) {
        return stateDirectory.resolve(FILE);
    }

    void write(Path stateDirectory) {
        Path file = file(stateDirectory);
        Path next = stateDirectory.resolve(FILE + ".next");
        try {
            Files.writeString(next, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(this));
            Files.move(next, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException | JacksonException e) {
            throw new StackException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    static Optional<StackStatus> read(Path stateDirectory) {
        Path file = file(stateDirectory);
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        try {
            return Optional.of(JSON.readValue(Files.readString(file), StackStatus.class));
        } catch (IOException | JacksonException e) {
            throw new StackException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    static void delete(Path stateDirectory) {
        try {
            Files.deleteIfExists(file(stateDirectory));
        } catch (IOException e) {
            throw new StackException("cannot remove " + file(stateDirectory) + ": " + e.getMessage(), e);
        }
    }
}
