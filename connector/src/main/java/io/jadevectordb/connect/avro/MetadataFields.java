package io.jadevectordb.connect.avro;

import java.util.List;
import java.util.Set;

/**
 * Which of a writer's other fields (all but the canonical {@link VectorMutationSchema#FIELDS})
 * the fast path keeps as metadata: the converter's {@code metadata.fields} setting, {@code all},
 * {@code none} or a list of names (names the writer lacks are skipped; the writer's field order,
 * not the list's, is the document's order).
 *
 * @param all every other field is kept
 * @param names the fields kept when not {@code all} (empty: none)
 */
record MetadataFields(boolean all, Set<String> names) {

    /** Every field but the canonical ones: the default. */
    static final MetadataFields ALL = new MetadataFields(true, Set.of());
    /** No metadata. */
    static final MetadataFields NONE = new MetadataFields(false, Set.of());

    /** The selection a validated {@code metadata.fields} list stands for. */
    static MetadataFields of(List<String> setting) {
        if (setting.size() == 1 && setting.get(0).equals("all")) {
            return ALL;
        }
        if (setting.size() == 1 && setting.get(0).equals("none")) {
            return NONE;
        }
        return new MetadataFields(false, Set.copyOf(setting));
    }

    /** Whether the writer field {@code name} is metadata. */
    boolean keeps(String name) {
        return !VectorMutationSchema.FIELDS.contains(name) && (all || names.contains(name));
    }

    /** Whether no field can be kept. */
    boolean none() {
        return !all && names.isEmpty();
    }
}
