package io.vfleet.stack;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code vfleet-stack}: runs the whole system on this machine until Ctrl-C (SIGINT) or SIGTERM, then
 * stops it in reverse order. {@code ./vfleet up} at the repository root builds what is missing and
 * runs this.
 */
@Command(name = "vfleet-stack", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Starts PostgreSQL (embedded unless --database-url), inventory-service, one iommufd-agent per"
                + " simulated host and assignment-service, wired together; Ctrl-C stops them in reverse order.")
public final class VfleetStack implements Callable<Integer> {

    @Option(names = "--project-root", defaultValue = ".", description = "The vfleet checkout: the modules' target/ and deploy/topologies/ (default: ${DEFAULT-VALUE}).")
    Path projectRoot;

    @Option(names = "--state-dir", defaultValue = ".vfleet", description = "Database files, agent state, logs and stack.env (default: ${DEFAULT-VALUE}).")
    Path stateDirectory;

    @Option(names = "--topology", paramLabel = "FILE", description = "A simulated host, repeatable (default: gpu-server-8x, workstation-gpu-audio and legacy-shared-bus from deploy/topologies/).")
    List<Path> topologies = new ArrayList<>();

    @Option(names = "--database-url", paramLabel = "JDBC_URL", description = "An external PostgreSQL (jdbc:postgresql://host:port/database) instead of the embedded one.")
    Optional<String> databaseUrl;

    @Option(names = "--database-user", defaultValue = "vfleet", description = "With --database-url (default: ${DEFAULT-VALUE}).")
    String databaseUser;

    @Option(names = "--database-password", defaultValue = "${env:VFLEET_DATABASE_PASSWORD}", description = "With --database-url; default: the environment variable VFLEET_DATABASE_PASSWORD.")
    String databasePassword;

    @Option(names = "--port-base", defaultValue = "" + PortPlan.DEFAULT_BASE, description = "Assignment HTTP on BASE, its gRPC BASE+1, inventory BASE+2/+3, agents gRPC BASE+10.. and HTTP BASE+30.., PostgreSQL BASE+20; 0 for free ports (default: ${DEFAULT-VALUE}).")
    int portBase;

    @Option(names = "--jvm-option", paramLabel = "OPTION", description = "An option for every child JVM, repeatable (default: " + "-Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xss512k).")
    List<String> jvmOptions = new ArrayList<>();

    @Option(names = "--startup-timeout", defaultValue = "PT3M", description = "How long each application may take to become healthy, ISO-8601 (default: ${DEFAULT-VALUE}).")
    Duration startupTimeout;

    public static void main(String[] args) {
        System.exit(new CommandLine(new VfleetStack()).execute(args));
    }

    @Override
    public Integer call() throws InterruptedException {
        StackSettings settings = settings();
        System.out.println("Starting vfleet: PostgreSQL, " + (settings.jars().inventory().isPresent() ? "inventory-service, " : "")
                + settings.hosts().size() + " agents and assignment-service (logs in " + settings.stateDirectory().resolve("logs") + ")");
        Stack stack;
        try {
            stack = Stack.create(settings);
        } catch (StackException e) {
            System.err.println("vfleet did not start: " + e.getMessage());
            return 1;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        // Installed before anything starts, so that Ctrl-C during the start stops what already runs.
        // A shutdown hook runs on SIGINT and SIGTERM; the children run in sessions of their own, so
        // the terminal's Ctrl-C reaches them only through this.
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.out.println("Stopping vfleet in reverse order: assignment-service, agents, inventory-service, PostgreSQL");
            try {
                stack.close();
                System.out.println("vfleet stopped");
            } catch (StackException e) {
                System.err.println(e.getMessage());
                for (Throwable cause : e.getSuppressed()) {
                    System.err.println("  " + cause.getMessage());
                }
            } finally {
                stopped.countDown();
            }
        }, "vfleet-stop"));
        try {
            stack.start();
        } catch (StackException e) {
            System.err.println("vfleet did not start: " + e.getMessage());
            return 1;
        }
        System.out.println(stack.describe());
        System.out.println("Ctrl-C stops everything.");
        stopped.await();
        return 0;
    }

    private StackSettings settings() {
        Path root = projectRoot.toAbsolutePath().normalize();
        List<Path> files = topologies.isEmpty()
                ? SimulatedHost.DEFAULT_TOPOLOGIES.stream().map(name -> root.resolve("deploy/topologies").resolve(name)).toList()
                : topologies;
        for (Path file : files) {
            if (!Files.isRegularFile(file)) {
                throw new CommandLine.ParameterException(new CommandLine(this), "no topology file " + file);
            }
        }
        Optional<ExternalDatabase> external = databaseUrl.map(url -> new ExternalDatabase(url, databaseUser,
                databasePassword == null ? "" : databasePassword));
        return new StackSettings(stateDirectory, AppJars.under(root), files.stream().map(SimulatedHost::read).toList(),
                external, portBase, jvmOptions.isEmpty() ? StackSettings.DEFAULT_JVM_OPTIONS : jvmOptions, startupTimeout,
                Optional.empty());
    }
}
