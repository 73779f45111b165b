package io.vfleet.deploy;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The instructions of a Dockerfile the checks need: the base image, what is copied, the working
 * directory, the user, the exposed ports, the health check, the entry point and the default command.
 * Exec form ({@code ["a", "b"]}) is read as JSON; shell form is split on white space.
 */
record Dockerfile(String from, List<List<String>> copies, String workingDirectory, String user, List<Integer> exposed,
                  Optional<List<String>> healthCheck, List<String> entrypoint, List<String> command) {

    static Dockerfile parse(String text) {
        String from = "";
        List<List<String>> copies = new ArrayList<>();
        String workingDirectory = "/";
        String user = "root";
        List<Integer> exposed = new ArrayList<>();
        Optional<List<String>> healthCheck = Optional.empty();
        List<String> entrypoint = List.of();
        List<String> command = List.of();
        for (String line : logicalLines(text)) {
            String[] parts = line.split("\\s+", 2);
            String instruction = parts[0].toUpperCase(Locale.ROOT);
            String rest = parts.length > 1 ? parts[1].strip() : "";
            switch (instruction) {
                case "FROM" -> from = rest.split("\\s+")[0];
                case "COPY", "ADD" -> copies.add(words(rest).stream().filter(word -> !word.startsWith("--")).toList());
                case "WORKDIR" -> workingDirectory = rest.startsWith("/") ? rest : workingDirectory + "/" + rest;
                case "USER" -> user = rest;
                case "EXPOSE" -> {
                    for (String port : rest.split("\\s+")) {
                        exposed.add(Integer.parseInt(port.replaceAll("/(tcp|udp)$", "")));
                    }
                }
                case "HEALTHCHECK" -> healthCheck = rest.equalsIgnoreCase("NONE") ? Optional.empty()
                        : Optional.of(words(rest.substring(rest.indexOf("CMD") + "CMD".length()).strip()));
                case "ENTRYPOINT" -> entrypoint = words(rest);
                case "CMD" -> command = words(rest);
                default -> { }
            }
        }
        return new Dockerfile(from, List.copyOf(copies), workingDirectory, user, List.copyOf(exposed), healthCheck,
                entrypoint, command);
    }

    /** Lines with their continuations joined, comments and blank lines dropped. */
    private static List<String> logicalLines(String text) {
        List<String> lines = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        for (String raw : text.split("\n")) {
            String line = raw.strip();
            if (line.startsWith("#") || (line.isEmpty() && current.isEmpty())) {
                continue;
            }
            if (line.endsWith("\\")) {
                current.append(line, 0, line.length() - 1).append(' ');
            } else {
                lines.add(current.append(line).toString().strip());
                current.setLength(0);
            }
        }
        return lines;
    }

    private static List<String> words(String form) {
        if (form.startsWith("[")) {
            List<?> list = ConfigurationFiles.yaml().load(form);
            return list.stream().map(String::valueOf).toList();
        }
        return List.of(form.split("\\s+"));
    }
}
