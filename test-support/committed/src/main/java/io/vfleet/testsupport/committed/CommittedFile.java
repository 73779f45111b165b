package io.vfleet.testsupport.committed;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A file kept in the repository that must say what the code says now: an API's OpenAPI document as the
 * service serves it, the authorization matrix as the access tables give it. {@link #check} fails when
 * the committed file differs from what the code produced, naming the first line that differs and the
 * command that writes the file again; with {@value #REGENERATE} set ({@code -Dvfleet.regenerate=true})
 * it writes the file instead, for the change to be reviewed and committed.
 */
public final class CommittedFile {

    /** The system property that writes the committed files rather than checking them. */
    public static final String REGENERATE = "vfleet.regenerate";

    private final Path path;
    private final String regenerateCommand;

    /**
     * @param path the file, relative to the module's directory (where Maven runs its tests)
     * @param regenerateCommand what to run, from the repository's root, to write it again
     */
    public CommittedFile(Path path, String regenerateCommand) {
        this.path = path;
        this.regenerateCommand = regenerateCommand;
    }

    /** Fails unless the committed file holds {@code produced} (line endings aside), or writes it when asked to. */
    public void check(String produced) {
        String expected = normalized(produced);
        if (Boolean.getBoolean(REGENERATE)) {
            write(expected);
            return;
        }
        if (!Files.isRegularFile(path)) {
            throw new AssertionError(path.toAbsolutePath().normalize() + " is missing; write it with: " + regenerateCommand);
        }
        String committed = normalized(read());
        if (committed.equals(expected)) {
            return;
        }
        Path actual = Path.of("target", path.getFileName() + ".actual");
        try {
            Files.createDirectories(actual.getParent());
            Files.writeString(actual, expected, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        throw new AssertionError(path.toAbsolutePath().normalize() + " is not what the code gives now ("
                + firstDifference(committed, expected) + "; the code's version is in " + actual.toAbsolutePath()
                + "). If the change is meant, write it again and commit it: " + regenerateCommand);
    }

    private String read() {
        try {
            return Files.readString(path, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void write(String text) {
        try {
            Files.createDirectories(path.toAbsolutePath().getParent());
            Files.writeString(path, text, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String normalized(String text) {
        String unix = text.replace("\r\n", "\n");
        return unix.endsWith("\n") ? unix : unix + "\n";
    }

    private static String firstDifference(String committed, String produced) {
        List<String> was = committed.lines().toList();
        List<String> is = produced.lines().toList();
        for (int line = 0; line < Math.max(was.size(), is.size()); line++) {
            String before = line < was.size() ? was.get(line) : "<end of file>";
            String now = line < is.size() ? is.get(line) : "<end of file>";
            if (!before.equals(now)) {
                return "line " + (line + 1) + " is '" + before.strip() + "', the code gives '" + now.strip() + "'";
            }
        }
        return "they differ";
    }
}
