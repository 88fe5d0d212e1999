package io.jadevectordb.connect;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.ConfigKey;

/**
 * Generates the configuration reference of {@code docs/connector.md} from
 * {@link VectorSinkConfig#CONFIG_DEF}, so the documentation cannot drift from the code. The
 * table sits between two marker lines; {@code main} rewrites it in place and a test fails when
 * the file differs from what this class generates.
 *
 * <p>Regenerate: {@code mvn -B -ntp -pl connector -am test -Dtest=ConfigDocsTest
 * -Dsurefire.failIfNoSpecifiedTests=false -Dconnector.docs.regenerate=true}, or run this class
 * with the Markdown file as its argument.
 */
public final class ConfigDocs {

    /** Line before the generated table. */
    public static final String BEGIN = "<!-- BEGIN GENERATED CONFIG TABLE (ConfigDocs; do not edit by hand) -->";
    /** Line after the generated table. */
    public static final String END = "<!-- END GENERATED CONFIG TABLE -->";

    private ConfigDocs() {
    }

    /** The Markdown reference of every key but the internal ones, grouped and ordered as in the ConfigDef. */
    public static String table(ConfigDef def) {
        List<ConfigKey> keys = new ArrayList<>(def.configKeys().values());
        keys.removeIf(k -> k.internalConfig); // internal knobs and deprecated keys: accepted, not offered
        List<String> groups = def.groups();
        keys.sort(Comparator.<ConfigKey>comparingInt(k -> groups.indexOf(k.group)).thenComparingInt(k -> k.orderInGroup));
        StringBuilder out = new StringBuilder();
        String group = null;
        for (ConfigKey key : keys) {
            if (!key.group.equals(group)) {
                group = key.group;
                out.append(out.length() == 0 ? "" : "\n").append("### ").append(group).append("\n\n")
                        .append("| Key | Type | Default | Valid values | Importance | Description |\n")
                        .append("|---|---|---|---|---|---|\n");
            }
            out.append("| `").append(key.name).append("` | ")
                    .append(key.type.name().toLowerCase()).append(" | ")
                    .append(defaultValue(key)).append(" | ")
                    .append(key.validator == null ? "" : escape(key.validator.toString())).append(" | ")
                    .append(key.importance.name().toLowerCase()).append(" | ")
                    .append(escape(key.documentation)).append(" |\n");
        }
        return out.toString();
    }

    private static String defaultValue(ConfigKey key) {
        if (!key.hasDefault()) {
            return "(required)";
        }
        String text = ConfigDef.convertToString(key.defaultValue, key.type);
        return text == null || text.isEmpty() ? "\"\"" : "`" + text + "`";
    }

    private static String escape(String text) {
        return text.replace("|", "\\|").replace("\n", " ");
    }

    /** Replaces the generated section of {@code markdown} with a fresh table. */
    public static String regenerate(String markdown, ConfigDef def) {
        int begin = markdown.indexOf(BEGIN);
        int end = markdown.indexOf(END);
        if (begin < 0 || end < begin) {
            throw new IllegalArgumentException("the document has no '" + BEGIN + "' ... '" + END
                    + "' section; add both marker lines where the table belongs");
        }
        return markdown.substring(0, begin + BEGIN.length()) + "\n\n" + table(def) + "\n" + markdown.substring(end);
    }

    /** Rewrites the table in the Markdown file named by {@code args[0]} (default docs/connector.md). */
    public static void main(String[] args) throws IOException {
        Path file = Paths.get(args.length > 0 ? args[0] : "docs/connector.md");
        String markdown = Files.readString(file, StandardCharsets.UTF_8);
        Files.writeString(file, regenerate(markdown, VectorSinkConfig.CONFIG_DEF), StandardCharsets.UTF_8);
    }
}
