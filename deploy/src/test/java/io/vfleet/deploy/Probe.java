package io.vfleet.deploy;

import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a health check or probe asks of a container: an HTTP GET of a path, a TCP connection, or a
 * {@code grpc.health.v1} check, on a port. Commands are understood when they are the images' own
 * health check ({@value #HEALTH_CHECK}), {@code curl} or {@code wget} of a local URL, or bash opening
 * {@code /dev/tcp/localhost/<port>}.
 */
record Probe(Kind kind, int port, String path) {

    enum Kind { HTTP, TCP, GRPC }

    /** The main class of the health check every vfleet image holds (deploy/java-runtime). */
    static final String HEALTH_CHECK = "io.vfleet.healthcheck.HealthCheck";

    private static final Pattern LOCAL_URL = Pattern.compile("https?://(?:localhost|127\\.0\\.0\\.1)(?::(\\d+))?(/[^\\s\"']*)?");
    private static final Pattern DEV_TCP = Pattern.compile("/dev/tcp/(?:localhost|127\\.0\\.0\\.1)/(\\d+)");

    /** The probe a command makes, if the command is one of those understood. */
    static Optional<Probe> ofCommand(List<String> command) {
        String line = String.join(" ", command);
        Matcher url = LOCAL_URL.matcher(line);
        if ((command.contains(HEALTH_CHECK) || line.contains("curl") || line.contains("wget")) && url.find()) {
            int port = url.group(1) == null ? 80 : Integer.parseInt(url.group(1));
            return Optional.of(new Probe(Kind.HTTP, port, url.group(2) == null ? "/" : url.group(2)));
        }
        Matcher tcp = DEV_TCP.matcher(line);
        if (tcp.find()) {
            return Optional.of(new Probe(Kind.TCP, Integer.parseInt(tcp.group(1)), ""));
        }
        return Optional.empty();
    }

    String describe() {
        return switch (kind) {
            case HTTP -> "HTTP GET :" + port + path;
            case TCP -> "TCP connection to :" + port;
            case GRPC -> "gRPC health check on :" + port;
        };
    }
}
