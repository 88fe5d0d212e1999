package io.jadevectordb.connect.avro;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

import org.apache.avro.Resolver;
import org.apache.avro.Schema;
import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.errors.DataException;

import io.jadevectordb.engine.StoreOptions;

/**
 * Decodes Avro binary written with one writer schema straight into the canonical
 * {@link VectorMutationSchema#VALUE} struct, without boxing a single float: an
 * {@code array<float>} vector becomes packed little-endian float32 bytes in
 * {@link VectorMutationSchema#VECTOR_BYTES}.
 *
 * <p>Avro does the schema work. The reader schema is the writer's record projected onto the
 * canonical fields; Avro's {@link Resolver} resolves writer against reader once per schema and
 * says, for each writer field in writer order, whether to read it or skip it. The bytes are read
 * by {@link AvroPayload}, which checks every length, block count and index a payload claims
 * against the bytes that remain before it allocates or loops (Avro's own decoder allocates a
 * claimed length first: a few hostile bytes would be an {@code OutOfMemoryError}). The vector:
 * Avro encodes a float as 4 little-endian IEEE-754 bytes, so each block of an
 * {@code array<float>} is copied into the result at once instead of a {@code readFloat()} per
 * element (see docs/benchmarks.md). NaN payloads survive because no float is ever materialized.
 *
 * <p>The writer's other fields, those {@code metadata.fields} keeps, are transcoded to one CBOR
 * map by {@link MetadataTranscoder} in the same pass, as they are met, into
 * {@link VectorMutationSchema#METADATA}; fields not kept are skipped.
 *
 * <p>One instance per writer schema; thread-safe (its only mutable state is a cache of the last
 * topic's error-message prefix, an immutable record that a race can only rebuild).
 */
final class VectorMutationReader {

    /**
     * What to do with one writer field, in writer order: read it as a canonical field, transcode
     * it as metadata slot {@code metadataSlot}, or skip it.
     */
    private record Step(String writerField, String canonicalField, Field slot, int metadataSlot,
            Schema writerType) {
        boolean skip() {
            return canonicalField == null && metadataSlot < 0;
        }
    }

    private static final Field VECTOR_BYTES_FIELD = VectorMutationSchema.VALUE.field(VectorMutationSchema.VECTOR_BYTES);
    private static final Field METADATA_FIELD = VectorMutationSchema.VALUE.field(VectorMutationSchema.METADATA);

    private final int schemaId;
    private final Schema reader;
    private final Step[] steps;
    /** Null when the writer has no field kept as metadata. */
    private final MetadataTranscoder metadata;
    private final StructFiller structFiller;
    /** The last topic's error-message prefix: built per topic, not per record (racy reuse is harmless). */
    private Where lastWhere;

    private record Where(String topic, String text) {
    }

    private VectorMutationReader(int schemaId, Schema reader, Step[] steps, MetadataTranscoder metadata,
            StructFiller structFiller) {
        this.schemaId = schemaId;
        this.reader = reader;
        this.steps = steps;
        this.metadata = metadata;
        this.structFiller = structFiller;
    }

    /**
     * Prepares to decode values written with {@code writer}, keeping every other field as
     * metadata up to the default bound (the converter's defaults).
     *
     * @see #forWriter(String, int, Schema, Collection, MetadataFields, int)
     */
    public static VectorMutationReader forWriter(String topic, int schemaId, Schema writer, Collection<String> requiredFields) {
        return forWriter(topic, schemaId, writer, requiredFields, MetadataFields.ALL,
                StoreOptions.DEFAULT_MAX_METADATA_BYTES);
    }

    /**
     * Prepares to decode values written with {@code writer}.
     *
     * @param topic the topic of the first record that names this schema, for error messages
     * @param schemaId the writer schema's registry id, for error messages
     * @param writer the writer's schema, as registered
     * @param requiredFields canonical fields the writer schema must have
     * @param metadataFields which of the writer's other fields to keep as metadata
     * @param metadataMaxBytes the largest metadata document accepted
     * @return a reader for that writer schema
     * @throws DataException if the writer is not a record, lacks a required field, or gives a
     *     canonical field a type this reader cannot deliver (the message names field and fix)
     */
    public static VectorMutationReader forWriter(String topic, int schemaId, Schema writer, Collection<String> requiredFields,
            MetadataFields metadataFields, int metadataMaxBytes) {
        String description = where(topic, schemaId);
        if (writer.getType() != Schema.Type.RECORD) {
            throw new DataException(String.format(
                    "%s: writer schema is %s, not a record; produce values with schemas/vector_mutation.avsc",
                    description, writer.getType()));
        }
        for (String required : requiredFields) {
            if (writer.getField(required) == null) {
                throw new DataException(String.format(
                        "%s: writer schema %s has no field '%s', which this converter requires "
                                + "(converter setting %s=%s); add the field as in "
                                + "schemas/vector_mutation.avsc, or drop it from %s",
                        description, writer.getFullName(), required, VectorMutationAvroConverterConfig.REQUIRED_FIELDS_CONFIG,
                        String.join(",", requiredFields), VectorMutationAvroConverterConfig.REQUIRED_FIELDS_CONFIG));
            }
        }
        List<Schema.Field> projected = new ArrayList<>();
        for (String name : VectorMutationSchema.FIELDS) {
            Schema.Field field = writer.getField(name);
            if (field != null) {
                checkType(description, name, field.schema());
                projected.add(new Schema.Field(name, field.schema(), field.doc(), (Object) null));
            }
        }
        if (projected.isEmpty()) {
            throw new DataException(String.format(
                    "%s: writer schema %s has none of the fields %s; it does not describe a vector "
                            + "mutation (see schemas/vector_mutation.avsc)",
                    description, writer.getFullName(), VectorMutationSchema.FIELDS));
        }
        Schema reader = Schema.createRecord(writer.getName(), writer.getDoc(), writer.getNamespace(), false, projected);
        Resolver.Action resolution = Resolver.resolve(writer, reader);
        if (!(resolution instanceof Resolver.RecordAdjust adjust)) {
            throw new DataException(description + ": Avro cannot read writer schema " + writer.getFullName()
                    + " as a vector mutation: " + resolution);
        }
        Step[] steps = new Step[adjust.fieldActions.length];
        List<Schema.Field> kept = new ArrayList<>();
        int read = 0;
        for (int i = 0; i < steps.length; i++) {
            Resolver.Action action = adjust.fieldActions[i];
            if (action.type == Resolver.Action.Type.ERROR) {
                throw new DataException(description + ": Avro cannot resolve field "
                        + writer.getFields().get(i).name() + ": " + action);
            }
            Schema.Field writerField = writer.getFields().get(i);
            if (action.type != Resolver.Action.Type.SKIP) {
                String canonical = adjust.readerOrder[read++].name();
                steps[i] = new Step(writerField.name(), canonical, VectorMutationSchema.VALUE.field(canonical), -1,
                        action.writer);
            } else if (metadataFields.keeps(writerField.name())) {
                steps[i] = new Step(writerField.name(), null, null, kept.size(), action.writer);
                kept.add(writerField);
            } else {
                steps[i] = new Step(writerField.name(), null, null, -1, action.writer);
            }
        }
        return new VectorMutationReader(schemaId, reader, steps,
                kept.isEmpty() ? null : MetadataTranscoder.forFields(kept, metadataMaxBytes), StructFiller.best());
    }

    /** The same reader filling its structs with {@code structFiller} (tests compare the two ways). */
    VectorMutationReader withStructFiller(StructFiller structFiller) {
        return new VectorMutationReader(schemaId, reader, steps, metadata, structFiller);
    }

    private static void checkType(String description, String name, Schema declared) {
        Schema type = nonNullBranch(declared);
        boolean ok = switch (name) {
            case VectorMutationSchema.DATABASE -> type != null && type.getType() == Schema.Type.STRING;
            // An int or long id is read as its decimal string, as RecordMapper turns a numeric id into one.
            case VectorMutationSchema.ID -> type != null && (type.getType() == Schema.Type.STRING
                    || type.getType() == Schema.Type.INT || type.getType() == Schema.Type.LONG);
            case VectorMutationSchema.OP -> type != null
                    && (type.getType() == Schema.Type.STRING || type.getType() == Schema.Type.ENUM);
            case VectorMutationSchema.VECTOR -> type != null && type.getType() == Schema.Type.ARRAY
                    && type.getElementType().getType() == Schema.Type.FLOAT;
            case VectorMutationSchema.VECTOR_BYTES -> type != null && type.getType() == Schema.Type.BYTES;
            default -> false;
        };
        if (!ok) {
            throw new DataException(String.format(
                    "%s: field '%s' has type %s; expected %s (optionally in a union with null); "
                            + "change the producer's schema to match schemas/vector_mutation.avsc",
                    description, name, declared, expectedType(name)));
        }
    }

    private static String expectedType(String name) {
        return switch (name) {
            case VectorMutationSchema.OP -> "the enum Op {STORE, UPDATE, DELETE} or a string";
            case VectorMutationSchema.VECTOR -> "{\"type\":\"array\",\"items\":\"float\"} (float32, not double)";
            case VectorMutationSchema.VECTOR_BYTES -> "bytes (little-endian float32)";
            case VectorMutationSchema.ID -> "string, int or long";
            default -> "string";
        };
    }

    /** The single non-null type of {@code s} (itself if not a union), or null if there is none. */
    private static Schema nonNullBranch(Schema s) {
        if (s.getType() != Schema.Type.UNION) {
            return s;
        }
        Schema found = null;
        for (Schema branch : s.getTypes()) {
            if (branch.getType() != Schema.Type.NULL) {
                if (found != null) {
                    return null;
                }
                found = branch;
            }
        }
        return found;
    }

    private String whereOf(String topic) {
        Where last = lastWhere;
        if (last == null || !last.topic().equals(topic)) {
            last = new Where(topic, where(topic, schemaId));
            lastWhere = last;
        }
        return last.text();
    }

    private static String where(String topic, int schemaId) {
        return "topic " + topic + ", schema id " + schemaId;
    }

    /** The reader schema: the writer's record projected onto the canonical fields it has. */
    public Schema readerSchema() {
        return reader;
    }

    /**
     * Decodes one Avro-encoded value.
     *
     * @param topic the record's topic, for error messages
     * @param data buffer holding the value
     * @param offset where the Avro payload starts
     * @param length payload length in bytes
     * @return a struct of {@link VectorMutationSchema#VALUE}
     * @throws DataException if the bytes do not decode with this writer schema
     */
    public Struct read(String topic, byte[] data, int offset, int length) {
        Struct value = new Struct(VectorMutationSchema.VALUE);
        Object[] slots = structFiller.slots(value);
        String where = whereOf(topic);
        AvroPayload in = new AvroPayload(where, data, offset, length);
        MetadataTranscoder.Document document = null;
        byte[] vectorBytes = null;
        byte[] floatsAsBytes = null;
        for (Step step : steps) {
            if (step.skip()) {
                in.skip(step.writerType(), step.writerField());
                continue;
            }
            if (step.metadataSlot() >= 0) {
                if (document == null) {
                    document = metadata.document(where);
                }
                document.field(step.metadataSlot(), in);
                continue;
            }
            String field = step.canonicalField();
            Schema type = step.writerType();
            if (type.getType() == Schema.Type.UNION) {
                type = type.getTypes().get(in.readIndex(field, type.getTypes().size(), "union branch"));
            }
            switch (type.getType()) {
                case NULL -> { }
                case STRING -> StructFiller.set(value, slots, step.slot(), in.readString(field));
                case INT -> StructFiller.set(value, slots, step.slot(), Integer.toString(in.readInt(field)));
                case LONG -> StructFiller.set(value, slots, step.slot(), Long.toString(in.readLong(field)));
                case ENUM -> StructFiller.set(value, slots, step.slot(), type.getEnumSymbols().get(
                        in.readIndex(field, type.getEnumSymbols().size(), "enum symbol")));
                case ARRAY -> floatsAsBytes = in.readFloatArray(field);
                case BYTES -> vectorBytes = in.readBytes(field);
                default -> throw new IllegalStateException("unchecked type " + type);
            }
        }
        if (in.remaining() > 0) {
            throw new DataException(String.format(
                    "%s: %d bytes left over after the last field; the value was not written with "
                            + "this schema id (check the producer's registry and subject)",
                    where(topic, schemaId), in.remaining()));
        }
        if (floatsAsBytes != null && vectorBytes != null) {
            throw new DataException(String.format(
                    "%s: both 'vector' and 'vector_bytes' are set; a producer must set exactly one",
                    where(topic, schemaId)));
        }
        byte[] vector = floatsAsBytes != null ? floatsAsBytes : vectorBytes;
        if (vector != null) {
            StructFiller.set(value, slots, VECTOR_BYTES_FIELD, vector);
        }
        if (document != null) {
            byte[] finished = document.finish();
            if (finished != null) {
                StructFiller.set(value, slots, METADATA_FIELD, finished);
            }
        }
        return value;
    }
}
