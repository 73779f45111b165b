package io.vfleet.tlog;

import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The command line of this jar:
 *
 * <pre>
 * java -jar transparency-log.jar witness --log https://host/api/v1/audit --verifier-keys keys.txt \
 *     --state witness.checkpoint [--origin name] [--token-file token]
 * java -jar transparency-log.jar generate-key --name example.org/audit --signer-key signing.key \
 *     --verifier-key verifier.key
 * </pre>
 *
 * {@code witness} fetches the log's latest checkpoint and, from the last one in {@code --state}, the
 * consistency proof; it exits 0 when it accepted the checkpoint (and keeps it), 1 when it refused it
 * (and says why), 2 when it could not check (bad arguments, the log unreachable). It suits a cron
 * job or a Kubernetes CronJob: a refusal is the alarm. {@code generate-key} writes a new Ed25519 key
 * pair: the signer key readable by its owner only, the verifier key for everyone who checks.
 */
public final class WitnessCommand {

    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private WitnessCommand() {}

    public static void main(String[] arguments) {
        System.exit(run(arguments, System.out, System.err));
    }

    static int run(String[] arguments, PrintStream out, PrintStream err) {
        if (arguments.length == 0) {
            return usage(err, "name a command: witness or generate-key");
        }
        Map<String, String> options = new HashMap<>();
        for (int index = 1; index < arguments.length; index += 2) {
            if (!arguments[index].startsWith("--") || index + 1 >= arguments.length) {
                return usage(err, "options are --name value pairs: " + arguments[index]);
            }
            options.put(arguments[index].substring(2), arguments[index + 1]);
        }
        try {
            return switch (arguments[0]) {
                case "witness" -> witness(options, out);
                case "generate-key" -> generateKey(options, out);
                default -> usage(err, "no command " + arguments[0]);
            };
        } catch (IllegalArgumentException | IOException failed) {
            err.println("error: " + failed.getMessage());
            return 2;
        }
    }

    private static int witness(Map<String, String> options, PrintStream out) throws IOException {
        String log = required(options, "log");
        List<NoteVerifier> trusted = readVerifierKeys(Path.of(required(options, "verifier-keys")));
        String origin = options.getOrDefault("origin", trusted.getFirst().name());
        String token = options.containsKey("token-file")
                ? Files.readString(Path.of(options.get("token-file")), StandardCharsets.UTF_8).strip()
                : null;
        Witness witness = new Witness(origin, trusted, Path.of(required(options, "state")));
        Witness.Verdict verdict = witness.observe(new HttpLog(URI.create(log.endsWith("/") ? log : log + "/"), token));
        out.println(verdict.outcome() + ": " + verdict.explanation());
        return verdict.outcome().accepted() ? 0 : 1;
    }

    private static int generateKey(Map<String, String> options, PrintStream out) throws IOException {
        NoteSigner signer = NoteSigner.generate(required(options, "name"));
        Path signerKey = Path.of(required(options, "signer-key"));
        Path verifierKey = Path.of(required(options, "verifier-key"));
        if (Files.exists(signerKey)) {
            throw new IllegalArgumentException(signerKey + " exists: a key is never overwritten");
        }
        Files.createFile(signerKey, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(signerKey, signer.encoded() + "\n", StandardCharsets.UTF_8);
        Files.writeString(verifierKey, signer.verifier().encoded() + "\n", StandardCharsets.UTF_8);
        out.println(signer.verifier().encoded());
        return 0;
    }

    /** One verifier key per line; blank lines and lines starting with '#' are skipped. */
    public static List<NoteVerifier> readVerifierKeys(Path file) throws IOException {
        List<NoteVerifier> keys = new ArrayList<>();
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            if (!line.isBlank() && !line.strip().startsWith("#")) {
                keys.add(NoteVerifier.parse(line));
            }
        }
        if (keys.isEmpty()) {
            throw new IllegalArgumentException(file + " has no verifier key");
        }
        return keys;
    }

    private static String required(Map<String, String> options, String name) {
        String value = options.get(name);
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException("--" + name + " is required");
        }
        return value;
    }

    private static int usage(PrintStream err, String problem) {
        err.println("error: " + problem);
        err.println("usage: witness --log <audit API URL> --verifier-keys <file> --state <file> [--origin <origin>] [--token-file <file>]");
        err.println("       generate-key --name <key name> --signer-key <file> --verifier-key <file>");
        return 2;
    }

    /** The audit API of a log over HTTP(S): {@code checkpoints/latest} and {@code proofs/consistency}, as plain text. */
    static final class HttpLog implements Witness.Log {
        private final HttpClient client = HttpClient.newBuilder().connectTimeout(TIMEOUT).build();
        private final URI base;
        private final String token;

        HttpLog(URI base, String token) {
            this.base = base;
            this.token = token;
        }

        @Override
        public String latestCheckpoint() throws IOException {
            return get("checkpoints/latest");
        }

        @Override
        public List<Hash> consistencyProof(long older, long newer) throws IOException {
            List<Hash> proof = new ArrayList<>();
            for (String line : get("proofs/consistency?from=" + older + "&to=" + newer).lines().toList()) {
                if (!line.isBlank()) {
                    proof.add(Hash.fromBase64(line.strip()));
                }
            }
            return proof;
        }

        private String get(String path) throws IOException {
            HttpRequest.Builder request = HttpRequest.newBuilder(base.resolve(path)).timeout(TIMEOUT)
                    .header("Accept", "text/plain");
            if (token != null) {
                request.header("Authorization", "Bearer " + token);
            }
            HttpResponse<String> response;
            try {
                response = client.send(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            } catch (InterruptedException interrupted) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while asking " + base.resolve(path), interrupted);
            }
            if (response.statusCode() != 200) {
                throw new IOException(base.resolve(path) + " answered " + response.statusCode() + ": "
                        + abbreviate(response.body()));
            }
            if (response.body().length() > Note.MAX_BYTES) {
                throw new IOException(base.resolve(path) + " answered more than " + Note.MAX_BYTES + " bytes");
            }
            return response.body();
        }

        private static String abbreviate(String body) {
            return body.length() > 200 ? body.substring(0, 200) + "…" : body;
        }
    }
}
