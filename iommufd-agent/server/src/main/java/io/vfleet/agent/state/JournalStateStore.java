package io.vfleet.agent.state;

import io.vfleet.agent.kernel.Syscall;
import io.vfleet.engine.Host;
import io.vfleet.engine.KernelException;
import io.vfleet.engine.topology.HostTopology;
import io.vfleet.engine.topology.TopologyLoader;
import io.vfleet.engine.topology.TopologyWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the host's state as its topology ({@code topology.yaml}, written once, atomically) and a
 * journal of every state-changing system call ({@code syscalls.journal}, one line per call, appended
 * after each batch). Restoring boots the topology and plays the journal again: the engine is
 * deterministic, so the same calls leave the same state, refusals included.
 *
 * <p>The journal is appended without fsync: it must survive the agent process dying, which the page
 * cache guarantees, not the host losing power, after which the real kernel's state is gone too. A
 * line cut short by a crash mid-write has no newline and is ignored, as the call it records was
 * answered only after the whole batch was written.
 *
 * <p>The journal only grows; a snapshot of the host written in one piece replaces it once the
 * engine can write one.
 */
public final class JournalStateStore implements StateStore {
    private static final Logger log = LoggerFactory.getLogger(JournalStateStore.class);
    static final String TOPOLOGY = "topology.yaml";
    static final String JOURNAL = "syscalls.journal";

    private final Path directory;

    public JournalStateStore(Path directory) {
        this.directory = directory;
    }

    @Override
    public Optional<Host> restore() {
        Path topologyFile = directory.resolve(TOPOLOGY);
        if (!Files.exists(topologyFile)) {
            return Optional.empty();
        }
        try {
            HostTopology topology = TopologyLoader.load(topologyFile);
            Host host = Host.boot(topology);
            Path journal = directory.resolve(JOURNAL);
            int replayed = 0;
            if (Files.exists(journal)) {
                String text = Files.readString(journal, StandardCharsets.UTF_8);
                int complete = text.lastIndexOf('\n') + 1;
                if (complete < text.length()) {
                    log.warn("Ignoring a journal line cut short: {}", text.substring(complete));
                }
                for (String line : text.substring(0, complete).split("\n")) {
                    if (!line.isEmpty()) {
                        replay(host, SyscallCodec.decode(line));
                        replayed++;
                    }
                }
            }
            log.info("Restored host {} from {} by replaying {} system calls", topology.hostname(), directory, replayed);
            return Optional.of(host);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the saved state in " + directory, e);
        }
    }

    @Override
    public void save(Host host, List<Syscall<?>> calls) {
        try {
            Files.createDirectories(directory);
            Path topologyFile = directory.resolve(TOPOLOGY);
            if (!Files.exists(topologyFile)) {
                AtomicFiles.write(topologyFile, TopologyWriter.write(host.topology()));
            }
            if (calls.isEmpty()) {
                return;
            }
            StringBuilder lines = new StringBuilder();
            for (Syscall<?> call : calls) {
                lines.append(SyscallCodec.encode(call)).append('\n');
            }
            Files.writeString(directory.resolve(JOURNAL), lines, StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND, StandardOpenOption.WRITE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot save the kernel state in " + directory, e);
        }
    }

    private static void replay(Host host, Syscall<?> call) {
        try {
            call.applyTo(host);
        } catch (KernelException refused) {
            // Refused the first time too: recorded because a refusal can have changed state.
            log.debug("Replayed refusal {}", refused.getMessage());
        }
    }
}
