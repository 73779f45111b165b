package io.vfleet.deploy;

import java.io.IOException;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * Spring Boot configuration files ({@code application.properties}, {@code application.yaml}) as
 * settings, YAML flattened to the property names Spring gives it ({@code a.b[0].c}), and the
 * {@code ${name:default}} placeholders in their values.
 */
final class ConfigurationFiles {
    private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{([^}:$]+)(?::([^}]*))?}");

    private ConfigurationFiles() {}

    static boolean isConfigurationFile(String fileName) {
        return fileName.matches("application(-[\\w-]+)?\\.(properties|ya?ml)");
    }

    static List<Setting> read(String fileName, String content, Setting.Source source) {
        List<Setting> settings = new ArrayList<>();
        if (fileName.endsWith(".properties")) {
            Properties properties = new Properties();
            try {
                properties.load(new StringReader(content));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            properties.stringPropertyNames().stream().sorted()
                    .forEach(name -> settings.add(new Setting(source, name, properties.getProperty(name))));
        } else {
            for (Object document : yaml().loadAll(content)) {
                flatten("", document, source, settings);
            }
        }
        return settings;
    }

    /** The names of the placeholders in {@code text}, in order. */
    static List<String> placeholders(String text) {
        List<String> names = new ArrayList<>();
        Matcher matcher = PLACEHOLDER.matcher(text);
        while (matcher.find()) {
            names.add(matcher.group(1).strip());
        }
        return names;
    }

    /** {@code value} with each placeholder replaced by what {@code lookup} finds for it, else its default. */
    static String resolve(String value, java.util.function.Function<String, java.util.Optional<String>> lookup) {
        String resolved = value;
        for (int round = 0; round < 8 && resolved.contains("${"); round++) {
            Matcher matcher = PLACEHOLDER.matcher(resolved);
            StringBuilder out = new StringBuilder();
            while (matcher.find()) {
                String replacement = lookup.apply(matcher.group(1).strip())
                        .orElse(matcher.group(2) == null ? matcher.group() : matcher.group(2));
                matcher.appendReplacement(out, Matcher.quoteReplacement(replacement));
            }
            matcher.appendTail(out);
            if (out.toString().equals(resolved)) {
                break;
            }
            resolved = out.toString();
        }
        return resolved;
    }

    static Yaml yaml() {
        return new Yaml(new SafeConstructor(new LoaderOptions()));
    }

    private static void flatten(String prefix, Object node, Setting.Source source, List<Setting> settings) {
        switch (node) {
            case Map<?, ?> map -> map.forEach((key, value) ->
                    flatten(prefix.isEmpty() ? String.valueOf(key) : prefix + "." + key, value, source, settings));
            case List<?> list -> {
                for (int i = 0; i < list.size(); i++) {
                    flatten(prefix + "[" + i + "]", list.get(i), source, settings);
                }
            }
            case null -> settings.add(new Setting(source, prefix, ""));
            default -> settings.add(new Setting(source, prefix, String.valueOf(node)));
        }
    }
}
