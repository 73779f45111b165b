package io.vfleet.stack;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code ./vfleet up}: starts the stack, in the foreground, in the background, or for a self-test. */
@Command(name = "up", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Starts PostgreSQL (embedded unless --database-url), inventory-service, one iommufd-agent per simulated"
                + " host and assignment-service, wired together; waits until every one is healthy and the assignment"
                + " service knows every node; prints where each listens and demo tokens; restarts a process that crashes.",
                "Ctrl-C (SIGINT) or SIGTERM stops everything in reverse order; ./vfleet down stops a launcher in the background."})
final class UpCommand implements Callable<Integer> {
    static final Path DEFAULT_STATE = Path.of(".vfleet");
    static final Path SELF_TEST_STATE = DEFAULT_STATE.resolve("self-test");

    @Option(names = "--project-root", defaultValue = ".", description = "The vfleet checkout: the modules' target/ and deploy/topologies/ (default: ${DEFAULT-VALUE}).")
    Path projectRoot;

    @Option(names = "--state-dir", paramLabel = "DIR", description = "Database files, agent state, logs, stack.env and stack.json (default: .vfleet; .vfleet/self-test, emptied first, with --self-test).")
    Optional<Path> stateDirectory;

    @Option(names = "--topology", paramLabel = "FILE", description = "A simulated host, repeatable (default: gpu-server-8x, workstation-gpu-audio and legacy-shared-bus from deploy/topologies/).")
    List<Path> topologies = new ArrayList<>();

    @Option(names = "--lab-host", arity = "0..1", fallbackValue = "stock", paramLabel = "KERNEL", description = "Also boot the kernel lab's guest (iommufd-agent/lab/vfleet-lab: Linux with a virtual IOMMU under QEMU) and join its agent, on the Linux backend with the guest's real sysfs topology, as node " + LabHost.DEFAULT_NODE + ": stock (the default; vfio groups and the type1 container, which Prepare does not use) or iommufd (the kernel built with iommufd and the vfio device cdev, which assignments can bind and attach). Needs qemu-system-x86, busybox-static and cpio.")
    Optional<String> labHost;

    @Option(names = "--tenant", paramLabel = "NAME", description = "A demo tenant, repeatable: it gets an orchestrator token that acts for it only (default: acme and globex).")
    List<String> tenants = new ArrayList<>();

    @Option(names = "--database-url", paramLabel = "JDBC_URL", description = "An external PostgreSQL (jdbc:postgresql://host:port/database) instead of the embedded one; the passwords of its roles come from VFLEET_INVENTORY_DATABASE_PASSWORD, VFLEET_ASSIGNMENT_DATABASE_PASSWORD and VFLEET_ASSIGNMENT_SERVICE_DATABASE_PASSWORD.")
    Optional<String> databaseUrl;

    @Option(names = "--inventory-database-user", paramLabel = "ROLE", defaultValue = "vfleet_inventory", description = "With --database-url: the inventory's role, owner of the schema inventory (default: ${DEFAULT-VALUE}).")
    String inventoryDatabaseUser;

    @Option(names = "--assignment-database-user", paramLabel = "ROLE", defaultValue = "vfleet_assignment", description = "With --database-url: the owner of the schema assignment, which runs the assignment service's migrations (default: ${DEFAULT-VALUE}).")
    String assignmentDatabaseUser;

    @Option(names = "--assignment-service-database-user", paramLabel = "ROLE", defaultValue = "vfleet_assignment_service", description = "With --database-url: the role the assignment service connects as, which owns nothing and may only read and append its audit log (default: ${DEFAULT-VALUE}).")
    String assignmentServiceDatabaseUser;

    @Option(names = "--port-base", paramLabel = "N", description = "Assignment HTTP on N, its gRPC N+1, inventory N+2/+3, agents gRPC N+10.. and HTTP N+30.., PostgreSQL N+20; 0 for free ports (default: " + PortPlan.DEFAULT_BASE + "; 0 with --self-test).")
    Optional<Integer> portBase;

    @Option(names = "--jvm-option", paramLabel = "OPTION", description = "An option for every child JVM, repeatable (default: -Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xss512k).")
    List<String> jvmOptions = new ArrayList<>();

    @Option(names = "--startup-timeout", paramLabel = "DURATION", defaultValue = "3m", converter = Durations.class, description = "How long each application may take to become healthy (default: ${DEFAULT-VALUE}).")
    Duration startupTimeout;

    @Option(names = "--reconcile-interval", paramLabel = "DURATION", converter = Durations.class, description = "How often the assignment service reconciles every node with its agent, whole seconds; 0s turns its reconciliation off altogether, at start and on an agent's re-registration too (default: the service's own, 60s).")
    Optional<Duration> reconcileInterval;

    @Option(names = "--heartbeat-timeout", paramLabel = "DURATION", converter = Durations.class, description = "How long the inventory waits for an agent's heartbeat before it takes the node for dead, at least 20s (default: the inventory's own, 30s).")
    Optional<Duration> heartbeatTimeout;

    @Option(names = "--detach", description = "Run in the background: return once the stack is up, its output in <state-dir>/logs/launcher.log. ./vfleet status shows it; ./vfleet down stops it.")
    boolean detach;

    @Option(names = "--self-test", description = "Start the stack on free ports with fresh state, check one assignment end to end through the REST API (assign, get, release, owner, audit verify), stop it, and exit 0 if every step held.")
    boolean selfTest;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        if (detach && selfTest) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--self-test runs in the foreground: drop --detach");
        }
        StackSettings settings;
        try {
            settings = settings();
        } catch (StackException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        if (detach) {
            return Detached.start(settings.stateDirectory(), backgroundCommand(), System.out);
        }
        if (selfTest) {
            clearSelfTestState(settings.stateDirectory());
        }
        return new Launcher(settings, selfTest, System.out).run();
    }

    private StackSettings settings() {
        Path root = projectRoot.toAbsolutePath().normalize();
        List<Path> files = topologies.isEmpty()
                ? SimulatedHost.DEFAULT_TOPOLOGIES.stream().map(name -> root.resolve("deploy/topologies").resolve(name)).toList()
                : topologies;
        for (Path file : files) {
            if (!Files.isRegularFile(file)) {
                throw new StackException("no topology file " + file);
            }
        }
        Path state = stateDirectory.orElse(selfTest ? SELF_TEST_STATE : DEFAULT_STATE);
        return new StackSettings(state, AppJars.under(root), files.stream().map(SimulatedHost::read).toList(),
                tenants.isEmpty() ? StackSettings.DEFAULT_TENANTS : tenants, externalDatabase(),
                portBase.orElse(selfTest ? 0 : PortPlan.DEFAULT_BASE),
                jvmOptions.isEmpty() ? StackSettings.DEFAULT_JVM_OPTIONS : jvmOptions,
                new StackSettings.Timing(startupTimeout, reconcileInterval, heartbeatTimeout), lab(root));
    }

    /** The lab's guest when asked for, refused before anything starts when this machine cannot boot it. */
    private Optional<LabHost> lab(Path root) {
        return labHost.map(kernel -> {
            LabHost lab = LabHost.of(root, LabHost.Kernel.of(kernel));
            lab.missingPrerequisite().ifPresent(missing -> {
                throw new StackException("--lab-host=" + kernel + ": this machine cannot boot the lab: " + missing);
            });
            return lab;
        });
    }

    private Optional<ExternalDatabase> externalDatabase() {
        return databaseUrl.map(url -> {
            Map<ServiceSchema, DatabaseRole> roles = new EnumMap<>(ServiceSchema.class);
            roles.put(ServiceSchema.INVENTORY, new DatabaseRole(inventoryDatabaseUser, password("VFLEET_INVENTORY_DATABASE_PASSWORD")));
            roles.put(ServiceSchema.ASSIGNMENT, new DatabaseRole(assignmentDatabaseUser, password("VFLEET_ASSIGNMENT_DATABASE_PASSWORD")));
            DatabaseRole assignmentService = new DatabaseRole(assignmentServiceDatabaseUser,
                    password("VFLEET_ASSIGNMENT_SERVICE_DATABASE_PASSWORD"));
            return new ExternalDatabase(url, roles, Map.of(ServiceSchema.ASSIGNMENT, assignmentService));
        });
    }

    /** From the environment only: a password on the command line would show in every process listing. */
    private static String password(String variable) {
        String password = System.getenv(variable);
        if (password == null || password.isEmpty()) {
            throw new StackException("with --database-url, set " + variable + " to the password of its role");
        }
        return password;
    }

    /** This very command, without --detach: the launcher that runs in the background. */
    private static List<String> backgroundCommand() {
        ProcessHandle.Info self = ProcessHandle.current().info();
        List<String> command = new ArrayList<>();
        command.add(self.command().orElseThrow(() -> new StackException("cannot tell how this launcher was started")));
        self.arguments().ifPresent(arguments -> command.addAll(List.of(arguments).stream()
                .filter(argument -> !argument.equals("--detach")).toList()));
        return command;
    }

    /** A self-test starts from nothing, unless a self-test runs there now. */
    private static void clearSelfTestState(Path state) {
        if (LauncherLock.holder(state).isPresent()) {
            return;
        }
        StateDirectory.delete(state);
    }
}
