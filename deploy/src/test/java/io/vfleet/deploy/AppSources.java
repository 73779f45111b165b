package io.vfleet.deploy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * What an app's own code and configuration say it reads: the components of its
 * {@code @ConfigurationProperties} records, the names of {@code @ConditionalOnProperty}, every
 * {@code ${placeholder}} in its sources and configuration files, and the keys those files set.
 *
 * <p>Records are read from their source text, which is enough for the shapes the apps use: scalars,
 * lists and maps of scalars, and lists of records declared in the same file.
 */
final class AppSources {
    private static final Pattern PROPERTIES_ANNOTATION =
            Pattern.compile("@ConfigurationProperties\\(\\s*(?:(?:value|prefix)\\s*=\\s*)?\"([^\"]+)\"\\s*\\)");
    private static final Pattern RECORD = Pattern.compile("\\brecord\\s+(\\w+)\\s*\\(");
    private static final Pattern CONDITIONAL = Pattern.compile("@ConditionalOnProperty\\(([^)]*)\\)");
    private static final Pattern ATTRIBUTE = Pattern.compile("(prefix|name|value)\\s*=\\s*(\\{[^}]*}|\"[^\"]*\")");
    private static final Pattern ANNOTATION = Pattern.compile("@[\\w.]+(\\([^)]*\\))?");
    private static final Set<String> COLLECTIONS = Set.of("List", "Set", "Collection", "SortedSet");

    private AppSources() {}

    /** The keys read by the app in {@code directory}: its {@code src/main/java} and {@code src/main/resources}. */
    static List<String> keys(Path directory) {
        List<String> keys = new ArrayList<>();
        for (Path source : files(directory.resolve("src/main/java"), ".java")) {
            keys.addAll(keysInJava(read(source)));
        }
        for (Path file : files(directory.resolve("src/main/resources"), "")) {
            if (ConfigurationFiles.isConfigurationFile(file.getFileName().toString())) {
                String content = read(file);
                ConfigurationFiles.read(file.getFileName().toString(), content, Setting.Source.BUILT_IN)
                        .forEach(setting -> keys.add(setting.name()));
                keys.addAll(ConfigurationFiles.placeholders(content));
            }
        }
        return keys;
    }

    /** The app's own configuration files as built-in settings. */
    static List<Setting> builtInSettings(Path directory) {
        List<Setting> settings = new ArrayList<>();
        for (Path file : files(directory.resolve("src/main/resources"), "")) {
            String name = file.getFileName().toString();
            if (name.matches("application\\.(properties|ya?ml)")) {
                settings.addAll(ConfigurationFiles.read(name, read(file), Setting.Source.BUILT_IN));
            }
        }
        return settings;
    }

    static List<String> keysInJava(String source) {
        Set<String> keys = new LinkedHashSet<>(ConfigurationFiles.placeholders(source));
        Map<String, String> records = records(source);
        Matcher annotation = PROPERTIES_ANNOTATION.matcher(source);
        while (annotation.find()) {
            Matcher record = RECORD.matcher(source);
            if (!record.find(annotation.end())) {
                throw new IllegalStateException("@ConfigurationProperties(\"" + annotation.group(1)
                        + "\") is not on a record; the deployment checks read only records");
            }
            addComponents(annotation.group(1), records.get(record.group(1)), records, keys);
        }
        Matcher conditional = CONDITIONAL.matcher(source);
        while (conditional.find()) {
            String prefix = "";
            List<String> names = new ArrayList<>();
            Matcher attribute = ATTRIBUTE.matcher(conditional.group(1));
            while (attribute.find()) {
                List<String> values = Stream.of(attribute.group(2).replaceAll("[{}\"]", "").split(","))
                        .map(String::strip).filter(value -> !value.isEmpty()).toList();
                if (attribute.group(1).equals("prefix")) {
                    prefix = values.getFirst() + ".";
                } else {
                    names.addAll(values);
                }
            }
            for (String name : names) {
                keys.add(prefix + name);
            }
        }
        return List.copyOf(keys);
    }

    private static void addComponents(String prefix, String components, Map<String, String> records, Set<String> keys) {
        for (String component : splitTopLevel(ANNOTATION.matcher(components).replaceAll(" "))) {
            String[] words = component.strip().split("\\s+(?=[\\w$]+$)", -1);
            if (words.length != 2) {
                continue;
            }
            String type = words[0].strip();
            String key = prefix + "." + kebab(words[1]);
            String base = type.contains("<") ? type.substring(0, type.indexOf('<')).strip() : type;
            String argument = type.contains("<") ? type.substring(type.indexOf('<') + 1, type.lastIndexOf('>')).strip() : "";
            if (COLLECTIONS.contains(base)) {
                if (records.containsKey(argument)) {
                    addComponents(key + "[#]", records.get(argument), records, keys);
                } else {
                    keys.add(key);
                    keys.add(key + "[#]");
                }
            } else if (base.equals("Map")) {
                keys.add(key + ".*");
            } else if (records.containsKey(base)) {
                addComponents(key, records.get(base), records, keys);
            } else {
                keys.add(key);
            }
        }
    }

    /** Each record declared in {@code source}, by name, with the text between its parentheses. */
    private static Map<String, String> records(String source) {
        Map<String, String> records = new HashMap<>();
        Matcher record = RECORD.matcher(source);
        while (record.find()) {
            int depth = 1;
            int i = record.end();
            while (depth > 0) {
                char c = source.charAt(i++);
                depth += c == '(' ? 1 : c == ')' ? -1 : 0;
            }
            records.put(record.group(1), source.substring(record.end(), i - 1));
        }
        return records;
    }

    private static List<String> splitTopLevel(String components) {
        List<String> parts = new ArrayList<>();
        int depth = 0;
        int start = 0;
        for (int i = 0; i < components.length(); i++) {
            char c = components.charAt(i);
            depth += c == '<' ? 1 : c == '>' ? -1 : 0;
            if (c == ',' && depth == 0) {
                parts.add(components.substring(start, i));
                start = i + 1;
            }
        }
        parts.add(components.substring(start));
        return parts;
    }

    private static String kebab(String camel) {
        return camel.replaceAll("([a-z0-9])([A-Z])", "$1-$2").toLowerCase(Locale.ROOT);
    }

    private static List<Path> files(Path root, String suffix) {
        if (!Files.isDirectory(root)) {
            return List.of();
        }
        try (Stream<Path> walk = Files.walk(root)) {
            return walk.filter(Files::isRegularFile).filter(path -> path.toString().endsWith(suffix)).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
