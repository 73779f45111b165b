package io.vfleet.stack;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * A launcher reduced to what {@link ChildrenDoNotOutliveTheLauncherTest} kills: it starts a small
 * HTTP server from a thread that ends right after, and the embedded PostgreSQL, prints
 * {@code children <server pid> <postgres pid> <postgres port>}, and waits to be killed.
 */
public final class LauncherStandIn {
    private LauncherStandIn() {}

    public static void main(String[] args) throws InterruptedException {
        Path directory = Path.of(args[0]);
        int port = PortPlan.from(0, 0).database();
        ChildProcess.Spec spec = ChildProcess.Spec.java("server",
                        List.of("-cp", System.getProperty("java.class.path"), TinyHttpServer.class.getName(), Integer.toString(port)),
                        Map.of(), directory.resolve("server"))
                .serving(Map.of("http", port), List.of(new HealthProbe.HttpAnswer(port)));
        ChildProcess server = new ChildProcess(spec, directory.resolve("logs/server.log"), Duration.ofSeconds(30));
        Thread starter = new Thread(server::start, "short-lived");
        starter.start();
        starter.join();
        EmbeddedDatabase database = new EmbeddedDatabase(directory.resolve("postgres"), directory.resolve("logs/postgresql.log"),
                0, Duration.ofMinutes(1));
        database.start();
        System.out.println("children " + server.pid() + " " + database.process().orElseThrow().pid() + " " + database.port());
        Thread.sleep(Duration.ofHours(1));
    }
}
