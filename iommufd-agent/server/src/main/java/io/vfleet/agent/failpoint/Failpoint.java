package io.vfleet.agent.failpoint;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Named points in the agent where a crash test holds it, so that a kill lands exactly there and the
 * test can check it did (a failpoint, as etcd has them). The point that is armed parks the first
 * thread that reaches it, once the agent serves, for ever; the test sees the marker file it writes,
 * then kills the process.
 *
 * <p>Armed only by JVM system properties read once when this class loads, never by an API call or a
 * configuration property: {@code -Dvfleet.agent.failpoint=<name>[:<detail>]} (a detail, such as a
 * gRPC method's full name, narrows the point to it) and {@code -Dvfleet.agent.failpoint.marker=<file>}.
 * Unarmed, a point costs the comparison of a static final field, which the JIT folds away.
 */
public enum Failpoint {
    /** In the journal's flush, after a frame was written and before it was forced to disk. */
    JOURNAL_WRITTEN("journal-written"),
    /** After a reply of a {@code vfleet.agent.v1} call (success or refusal) was handed to the transport. */
    REPLY_SENT("reply-sent");

    private static final Logger log = LoggerFactory.getLogger(Failpoint.class);
    private static final String SETTING = System.getProperty("vfleet.agent.failpoint", "");
    private static final Failpoint ARMED = armed(SETTING);
    private static final String DETAIL = SETTING.indexOf(':') < 0 ? "" : SETTING.substring(SETTING.indexOf(':') + 1);
    private static final String MARKER = System.getProperty("vfleet.agent.failpoint.marker", "");
    private static final AtomicBoolean REACHED = new AtomicBoolean();
    private static volatile boolean serving;

    private final String setting;

    Failpoint(String setting) {
        this.setting = setting;
    }

    /** From now on the armed point parks: reaching it while starting up does not count. */
    public static void serving() {
        serving = true;
    }

    /** Parks the calling thread for ever if this point is armed for {@code detail} and not yet reached. */
    public void reach(String detail) {
        if (ARMED != this) {
            return;
        }
        if (!serving || !(DETAIL.isEmpty() || DETAIL.equals(detail)) || !REACHED.compareAndSet(false, true)) {
            return;
        }
        log.warn("Failpoint {} reached ({}): parking this thread until the process is killed", setting, detail);
        if (!MARKER.isEmpty()) {
            Path marker = Path.of(MARKER);
            try {
                Path written = Files.writeString(marker.resolveSibling(marker.getFileName() + ".tmp"), setting + " " + detail + "\n",
                        StandardCharsets.UTF_8);
                Files.move(written, marker, StandardCopyOption.ATOMIC_MOVE);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write the failpoint marker " + MARKER, e);
            }
        }
        while (true) {
            LockSupport.park(this);
        }
    }

    private static Failpoint armed(String setting) {
        String name = setting.indexOf(':') < 0 ? setting : setting.substring(0, setting.indexOf(':'));
        if (name.isEmpty()) {
            return null;
        }
        for (Failpoint point : values()) {
            if (point.setting.equals(name)) {
                return point;
            }
        }
        throw new IllegalStateException("vfleet.agent.failpoint: no failpoint is named '" + name + "'");
    }
}
