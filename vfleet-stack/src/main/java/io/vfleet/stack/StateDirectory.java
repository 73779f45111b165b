package io.vfleet.stack;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * The directory a stack keeps its state in: the database's files and password, each agent's state,
 * the logs, {@code stack.env} with the tokens, {@code stack.json} and the launcher's lock. It holds
 * secrets, so a stack creates it readable by its owner only.
 */
public final class StateDirectory {
    private StateDirectory() {}

    public static void create(Path directory) {
        try {
            if (!Files.isDirectory(directory)) {
                Files.createDirectories(directory.toAbsolutePath().getParent());
                Files.createDirectory(directory, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            }
        } catch (IOException e) {
            throw new StackException("cannot create the state directory " + directory + ": " + e.getMessage(), e);
        }
    }

    /** Removes the directory and everything in it; nothing when it does not exist. */
    public static void delete(Path directory) {
        if (!Files.exists(directory)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(directory)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        } catch (IOException e) {
            throw new StackException("cannot remove " + directory + ": " + e.getMessage(), e);
        }
    }
}
