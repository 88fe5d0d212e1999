package io.jadevectordb.connect.settings;

import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;

/**
 * The {@code metadata.fields} and {@code metadata.max.bytes} settings that the sink and the
 * fast-path converter share (same names, same values, same checks): which of a record's other
 * fields become its metadata, and how large that document may be.
 */
public final class MetadataFieldsSetting {

    /** The value that keeps every field the reader does not map. */
    public static final String ALL = "all";
    /** The value that keeps no metadata. */
    public static final String NONE = "none";
    /**
     * The shard format's bound on one record's metadata (the engine's
     * {@code ShardFormat.MAX_METADATA_BYTES}, in a package the plugin does not use; a test keeps
     * the two equal).
     */
    public static final int MAX_BYTES_LIMIT = 512 << 10;

    private MetadataFieldsSetting() {
    }

    /**
     * A validator of {@code metadata.fields}: {@code all}, {@code none} (each only alone), or
     * distinct non-empty field names, none of them in {@code reserved}.
     *
     * @param reserved    names that can never be metadata (the fields the reader maps); empty
     *                    when they depend on other keys and are checked with them
     * @param reservedWhy why such a name is refused, for the message
     */
    public static ConfigDef.Validator validator(Collection<String> reserved, String reservedWhy) {
        return new Validator(List.copyOf(reserved), reservedWhy);
    }

    private record Validator(List<String> reserved, String reservedWhy) implements ConfigDef.Validator {
        @Override
        public void ensureValid(String name, Object value) {
            @SuppressWarnings("unchecked")
            List<String> entries = (List<String>) value;
            String fix = "; fix: write '" + ALL + "', '" + NONE + "' or a comma-separated list of field names, e.g. "
                    + "title,lang,year";
            if (entries == null || entries.isEmpty()) {
                throw new ConfigException(name, value, "is empty" + fix);
            }
            Set<String> seen = new LinkedHashSet<>();
            for (String entry : entries) {
                String field = entry.trim();
                if (field.isEmpty()) {
                    throw new ConfigException(name, String.join(",", entries), "lists an empty field name" + fix);
                }
                if (entries.size() > 1 && (field.equals(ALL) || field.equals(NONE))) {
                    throw new ConfigException(name, String.join(",", entries), "'" + field + "' stands alone, not in a "
                            + "list of fields" + fix);
                }
                if (!seen.add(field)) {
                    throw new ConfigException(name, String.join(",", entries), "lists '" + field + "' twice; fix: "
                            + "list each field once");
                }
                if (reserved.contains(field)) {
                    throw new ConfigException(name, String.join(",", entries), "'" + field + "' " + reservedWhy
                            + ", never metadata; fix: list other fields only");
                }
            }
        }

        @Override
        public String toString() {
            return ALL + ", " + NONE + ", or a list of field names"
                    + (reserved.isEmpty() ? " other than the ones the sink reads" : " other than " + String.join(", ", reserved));
        }
    }
}
