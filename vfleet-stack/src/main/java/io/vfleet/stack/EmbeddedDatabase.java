package io.vfleet.stack;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.postgresql.PGConnection;

/**
 * A PostgreSQL server run by the launcher from the binaries that come with it (no install), as a child
 * process like the applications, its data kept in a directory of the stack's state so that it survives
 * a restart of the server or of the whole stack. The port is fixed at construction and kept across
 * restarts: the services' JDBC URLs do not change, and their pools reconnect to the same address.
 *
 * <p>Nothing gets in without a password. The superuser's is generated when the data directory is
 * created and kept, readable by its owner only, in {@code <data directory>.password}; the server
 * listens on the loopback address only and asks every connection for a password (SCRAM). Each
 * service has a role of its own ({@link ServiceSchema}), which owns its schema and nothing else (the
 * assignment service connects as a second one, which owns nothing), each with a password generated
 * afresh for every run of the launcher. Commits are timestamped, as the audit log needs.
 */
public final class EmbeddedDatabase implements Database {
    static final String DATABASE = "vfleet";
    static final String SUPERUSER = "postgres";
    private static final Duration INITDB_TIMEOUT = Duration.ofMinutes(2);
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Path dataDirectory;
    private final Path log;
    private final int port;
    private final Duration startupTimeout;
    private final Map<ServiceSchema, DatabaseRole> roles = new EnumMap<>(ServiceSchema.class);
    private final Map<ServiceSchema, DatabaseRole> serviceRoles = new EnumMap<>(ServiceSchema.class);
    private ChildProcess server;

    /** A server to run on {@code port} (0 for a free port chosen now), its data in {@code dataDirectory}; not started yet. */
    public EmbeddedDatabase(Path dataDirectory, Path log, int port, Duration startupTimeout) {
        this.dataDirectory = dataDirectory.toAbsolutePath().normalize();
        this.log = log;
        this.port = port != 0 ? port : PortPlan.from(0, 0).database();
        this.startupTimeout = startupTimeout;
        for (ServiceSchema schema : ServiceSchema.values()) {
            roles.put(schema, new DatabaseRole(schema.defaultRole(), password()));
            schema.defaultServiceRole().ifPresent(role -> serviceRoles.put(schema, new DatabaseRole(role, password())));
        }
    }

    /**
     * Starts the server, creating its data directory on first use, and gives each service's role its
     * password and schema; again after {@link #stop()}.
     */
    @Override
    public synchronized void start() {
        if (server != null && server.isAlive()) {
            throw new IllegalStateException("PostgreSQL is already running on port " + port);
        }
        Path binaries = PostgresBinaries.unpacked();
        if (!Files.exists(dataDirectory.resolve("PG_VERSION"))) {
            initialize(binaries);
        } else if (!Files.exists(passwordFile())) {
            throw new StackException(dataDirectory + " holds a database made without a superuser password (by an"
                    + " earlier vfleet, or by hand), and " + passwordFile() + " is missing: remove " + dataDirectory
                    + " to start with a fresh database");
        }
        if (server == null) {
            server = new ChildProcess(serverSpec(binaries), log, startupTimeout);
        }
        server.start();
        prepareRoles();
    }

    /** A fast shutdown (SIGINT): open connections are cut, committed data stays. */
    public synchronized void stop() {
        if (server != null) {
            server.stop();
        }
    }

    public void restart() {
        stop();
        start();
    }

    public synchronized boolean isRunning() {
        return server != null && server.isAlive();
    }

    /** The server's process, once started: the supervisor watches it like the applications. */
    public synchronized Optional<ChildProcess> process() {
        return Optional.ofNullable(server);
    }

    public int port() {
        return port;
    }

    public Path dataDirectory() {
        return dataDirectory;
    }

    /** Where the superuser's password is kept, readable by its owner only. */
    public Path passwordFile() {
        return dataDirectory.resolveSibling(dataDirectory.getFileName() + ".password");
    }

    /** The superuser, for whoever administers the server by hand (and the tests). */
    public DatabaseRole superuser() {
        try {
            return new DatabaseRole(SUPERUSER, Files.readString(passwordFile(), StandardCharsets.UTF_8).strip());
        } catch (IOException e) {
            throw new StackException("cannot read the superuser's password from " + passwordFile(), e);
        }
    }

    @Override
    public String jdbcUrl() {
        return url(DATABASE);
    }

    @Override
    public DatabaseRole role(ServiceSchema schema) {
        return roles.get(schema);
    }

    @Override
    public DatabaseRole serviceRole(ServiceSchema schema) {
        return serviceRoles.getOrDefault(schema, roles.get(schema));
    }

    @Override
    public String describe() {
        return jdbcUrl() + " (embedded PostgreSQL; roles " + role(ServiceSchema.INVENTORY).user() + ", "
                + role(ServiceSchema.ASSIGNMENT).user() + " and " + serviceRole(ServiceSchema.ASSIGNMENT).user() + "; superuser " + SUPERUSER + ", its password in "
                + passwordFile() + "; data in " + dataDirectory + ")";
    }

    @Override
    public void close() {
        stop();
    }

    private String url(String database) {
        return "jdbc:postgresql://" + Stack.LOOPBACK + ":" + port + "/" + database;
    }

    private void initialize(Path binaries) {
        try {
            Files.createDirectories(dataDirectory.getParent());
            Files.createDirectories(log.getParent());
            if (!Files.exists(passwordFile())) {
                Files.createFile(passwordFile(), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
                Files.writeString(passwordFile(), password() + "\n", StandardCharsets.UTF_8);
            }
            List<String> command = new ArrayList<>(Spawner.unprivileged());
            command.addAll(List.of(binaries.resolve("bin/initdb").toString(), "--pgdata=" + dataDirectory,
                    "--username=" + SUPERUSER, "--auth=scram-sha-256", "--pwfile=" + passwordFile(),
                    "--encoding=UTF8", "--locale=C", "--no-instructions"));
            Process initdb = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                    .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                    .start();
            if (!initdb.waitFor(INITDB_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                initdb.destroyForcibly();
                throw new StackException("initdb did not finish within " + Durations.describe(INITDB_TIMEOUT) + "; see " + log);
            }
            if (initdb.exitValue() != 0) {
                throw new StackException("initdb failed with status " + initdb.exitValue() + " creating " + dataDirectory
                        + "; see " + log);
            }
        } catch (IOException e) {
            throw new StackException("cannot create the database in " + dataDirectory + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StackException("interrupted while creating the database in " + dataDirectory);
        }
    }

    private ChildProcess.Spec serverSpec(Path binaries) {
        List<String> command = List.of(binaries.resolve("bin/postgres").toString(), "-D", dataDirectory.toString(),
                "-p", Integer.toString(port),
                // TCP on the loopback address only, and no Unix socket in a directory shared with other users.
                "-c", "listen_addresses=" + Stack.LOOPBACK, "-c", "unix_socket_directories=",
                "-c", "max_connections=200", "-c", "timezone=UTC",
                // The assignment service's audit log is ordered by commit.
                "-c", "track_commit_timestamp=on");
        HealthProbe probe = new HealthProbe.Postgres(port, SUPERUSER, passwordFile());
        return new ChildProcess.Spec("postgresql", command, Map.of(), dataDirectory.getParent(),
                Map.of("postgresql", port), List.of(probe), Signal.SIGINT, true);
    }

    /**
     * Creates the database and each service's role and schema when missing, and sets this run's
     * passwords; {@code public} is closed, so a role reaches its own schema only. Repeating it changes
     * nothing but the passwords.
     */
    private void prepareRoles() {
        DatabaseRole superuser = superuser();
        try (Connection admin = DriverManager.getConnection(url("postgres"), superuser.user(), superuser.password())) {
            try (PreparedStatement exists = admin.prepareStatement("select 1 from pg_database where datname = ?")) {
                exists.setString(1, DATABASE);
                try (ResultSet found = exists.executeQuery(); Statement create = admin.createStatement()) {
                    if (!found.next()) {
                        create.execute("create database " + DATABASE);
                    }
                }
            }
            for (DatabaseRole role : allRoles()) {
                try (PreparedStatement exists = admin.prepareStatement("select 1 from pg_roles where rolname = ?")) {
                    exists.setString(1, role.user());
                    try (ResultSet found = exists.executeQuery(); Statement create = admin.createStatement()) {
                        if (!found.next()) {
                            create.execute("create role " + role.user() + " login");
                        }
                    }
                }
                // The driver hashes the password (SCRAM) before sending it: the server never sees it.
                admin.unwrap(PGConnection.class).alterUserPassword(role.user(), role.password().toCharArray(), "scram-sha-256");
            }
        } catch (SQLException e) {
            throw new StackException("cannot prepare the services' roles in the embedded PostgreSQL: " + e.getMessage(), e);
        }
        try (Connection vfleet = DriverManager.getConnection(jdbcUrl(), superuser.user(), superuser.password());
             Statement statement = vfleet.createStatement()) {
            statement.execute("revoke all on database " + DATABASE + " from public");
            statement.execute("revoke all on schema public from public");
            for (DatabaseRole role : allRoles()) {
                statement.execute("grant connect, temporary on database " + DATABASE + " to " + role.user());
            }
            // A service role that is not the owner gets its rights in the schema from the migrations.
            for (ServiceSchema schema : ServiceSchema.values()) {
                statement.execute("create schema if not exists " + schema.schema() + " authorization " + role(schema).user());
            }
        } catch (SQLException e) {
            throw new StackException("cannot prepare the services' schemas in the embedded PostgreSQL: " + e.getMessage(), e);
        }
    }

    private List<DatabaseRole> allRoles() {
        List<DatabaseRole> all = new ArrayList<>(roles.values());
        all.addAll(serviceRoles.values());
        return all;
    }

    private static String password() {
        byte[] random = new byte[24];
        RANDOM.nextBytes(random);
        return HexFormat.of().formatHex(random);
    }
}
