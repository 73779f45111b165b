package io.vfleet.stack;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;

/**
 * A child process for the launcher's tests: answers 200 on every path of the given port until
 * stopped, except {@code /crash}, on which it exits at once with status 3, as a crashing application
 * would.
 */
public final class TinyHttpServer {
    static final int CRASH_STATUS = 3;

    private TinyHttpServer() {}

    public static void main(String[] args) throws IOException {
        int port = Integer.parseInt(args[0]);
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 0);
        server.createContext("/", exchange -> {
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        server.createContext("/crash", exchange -> {
            System.out.println("crashing");
            Runtime.getRuntime().halt(CRASH_STATUS);
        });
        server.start();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> System.out.println("stopped by a signal")));
        System.out.println("serving " + port);
    }
}
