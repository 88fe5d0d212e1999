package io.jadevectordb.connect.apply;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.sink.SinkRecord;

import io.jadevectordb.connect.VectorSinkConfig;
import io.jadevectordb.connect.VectorSinkConfig.IdSource;
import io.jadevectordb.connect.VectorSinkConfig.TombstoneBehavior;
import io.jadevectordb.connect.VectorSinkConfig.UpdateMissingPolicy;
import io.jadevectordb.connect.avro.FastPathValue;
import io.jadevectordb.connect.avro.UndecodableValue;
import io.jadevectordb.connect.offsets.KafkaPosition;
import io.jadevectordb.engine.Mutation;
import io.jadevectordb.engine.Mutation.Op;

/**
 * Turns a {@link SinkRecord} into a {@link RoutedMutation}: the database, the id, the operation,
 * the vector and the metadata (the other fields, see {@link MetadataEncoder}), read from a
 * Connect {@link Struct} (any converter with schemas), a {@link Map} (schemaless JSON) or a
 * tombstone (null value: delete the id in the key, and with it the metadata).
 *
 * <p>An UPDATE replaces what it carries: the vector, the metadata, or both; one with metadata
 * and no vector re-tags the stored vector (and stays an UPDATE under
 * {@code update.missing.policy=upsert}, having no vector to store); one with neither is a bad
 * record. A DELETE never carries metadata.
 *
 * <p>Every problem with a record's content is an {@link InvalidRecordException} naming the
 * Kafka position, the field, the value and the fix. Dimension and NaN checks are left to the
 * engine, which knows each database's dimension; database names are validated there too. A
 * {@code vector_bytes} value reaches the engine as bytes ({@link Mutation#vectorBytes}), never
 * as a float[]: the engine checks them in place and copies them once, into its log.
 */
public final class RecordMapper {

    /** Null when every record goes to the topic template. */
    private final String databaseField;
    private final String topicTemplate;
    private final IdSource idSource;
    private final String idField;
    private final String opField;
    private final String vectorField;
    private final String vectorBytesField;
    private final TombstoneBehavior tombstoneBehavior;
    private final boolean updateAsStore;
    private final boolean rejectsMissingUpdates;
    /** Null under {@code metadata.fields=none}: no record carries metadata. */
    private final MetadataEncoder metadata;
    private final int metadataMaxBytes;
    /** The fix named when a value has no id: built once, not per record. */
    private final String missingIdFix;
    /** The last topic's database under the topic template (a race between tasks only rebuilds it). */
    private TemplateName lastTemplateName;
    /** The configured fields of the last value schema seen. */
    private ValueFields valueFields;

    public RecordMapper(VectorSinkConfig config) {
        this.databaseField = config.databaseField().orElse(null);
        this.topicTemplate = config.databaseTopicTemplate();
        this.idSource = config.idSource();
        this.idField = config.idField();
        this.opField = config.opField();
        this.vectorField = config.vectorField();
        this.vectorBytesField = config.vectorBytesField();
        this.tombstoneBehavior = config.tombstoneBehavior();
        this.updateAsStore = config.updateMissingPolicy() == UpdateMissingPolicy.UPSERT;
        this.rejectsMissingUpdates = config.updateMissingPolicy() == UpdateMissingPolicy.REJECT;
        this.metadataMaxBytes = config.metadataMaxBytes();
        this.missingIdFix = "set the value's '" + idField + "' field, or use "
                + VectorSinkConfig.setting(VectorSinkConfig.ID_SOURCE_CONFIG, IdSource.KEY);
        boolean all = config.keepsAllMetadataFields();
        this.metadata = !all && config.metadataFields().isEmpty() ? null
                : new MetadataEncoder(all ? null : config.metadataFields(), config.fieldsTheSinkReads(), metadataMaxBytes);
    }

    /**
     * Maps one record.
     *
     * @return the mutation, or empty for a record the configuration says to skip (an ignored tombstone)
     * @throws InvalidRecordException when the record's content cannot be applied
     */
    public Optional<RoutedMutation> map(SinkRecord record) {
        KafkaPosition position = KafkaPosition.of(record);
        Object value = record.value();
        if (value == null) {
            return mapTombstone(record, position);
        }
        String undecodable = UndecodableValue.reason(value);
        if (undecodable != null) {
            // The fast-path converter delivers what it cannot decode, so that its dead letter is
            // written and awaited like every other rejection (see UndecodableValue).
            throw new InvalidRecordException(position, "value", new InvalidRecordException.Rendered("<undecodable>"),
                    undecodable, null);
        }
        if (!(value instanceof Struct) && !(value instanceof Map)) {
            throw new InvalidRecordException(position, "value", describeType(value),
                    "the value is not a structured record",
                    "use a converter that yields a Struct or a Map (AvroConverter, JsonConverter); a "
                            + "ByteArrayConverter or StringConverter value cannot be read");
        }
        Op op = readOp(position, value);
        String id = idSource == IdSource.KEY
                ? idFromKey(position, record.key())
                : requireId(position, valueField(value, idField, ValueFields::id), idField, missingIdFix);
        String database = database(record, value);
        long offset = position.offset();
        if (op == Op.DELETE) {
            return Optional.of(new RoutedMutation(database, Mutation.delete(id, offset), position, null));
        }
        byte[] document = metadata(position, value);
        Object vector = readVector(position, value, op, document != null);
        // A re-tag (an UPDATE with metadata and no vector) stays an UPDATE under upsert: there is no vector to store.
        Op effective = op == Op.UPDATE && updateAsStore && vector != null ? Op.STORE : op;
        // Only an UPDATE can be rejected once applied (its id may be missing); keep the record,
        // with its converted value, for the dead letter queue only then.
        SinkRecord kept = effective == Op.UPDATE && rejectsMissingUpdates ? record : null;
        // Bytes stay bytes: the engine checks them in place and copies them once, into its log.
        Mutation mutation = vector instanceof ByteBuffer bytes
                ? new Mutation(effective, id, null, offset, document, bytes)
                : new Mutation(effective, id, (float[]) vector, offset, document);
        return Optional.of(new RoutedMutation(database, mutation, position, kept));
    }

    /**
     * The record's metadata, or null for none: the fast path's pre-encoded document as it is
     * (its converter chose the fields), else the kept fields encoded here.
     */
    private byte[] metadata(KafkaPosition position, Object value) {
        if (metadata == null) {
            return null;
        }
        if (FastPathValue.is(value)) {
            byte[] encoded = FastPathValue.metadata((Struct) value);
            if (encoded != null && encoded.length > metadataMaxBytes) {
                throw MetadataEncoder.tooLarge(position, encoded.length, true, metadataMaxBytes);
            }
            return encoded;
        }
        return metadata.encode(position, value);
    }

    private Optional<RoutedMutation> mapTombstone(SinkRecord record, KafkaPosition position) {
        switch (tombstoneBehavior) {
            case IGNORE:
                return Optional.empty();
            case FAIL:
                throw new InvalidRecordException(position, "value", null, "tombstones are refused ("
                        + VectorSinkConfig.setting(VectorSinkConfig.TOMBSTONE_BEHAVIOR_CONFIG, TombstoneBehavior.FAIL)
                        + ")", "send a DELETE record, or set "
                        + VectorSinkConfig.setting(VectorSinkConfig.TOMBSTONE_BEHAVIOR_CONFIG, TombstoneBehavior.DELETE));
            default:
                break;
        }
        String id = idFromKey(position, record.key());
        String database = database(record, null);
        return Optional.of(new RoutedMutation(database, Mutation.delete(id, position.offset()), position, null));
    }

    private Op readOp(KafkaPosition position, Object value) {
        Object raw = valueField(value, opField, ValueFields::op);
        if (raw == null) {
            return Op.STORE;
        }
        // The wire contract's spellings first: no normalising copy per record.
        if (raw instanceof String exact) {
            switch (exact) {
                case "STORE":
                    return Op.STORE;
                case "UPDATE":
                    return Op.UPDATE;
                case "DELETE":
                    return Op.DELETE;
                default:
                    break;
            }
        }
        String text = raw.toString().trim().toUpperCase(Locale.ROOT);
        for (Op op : Op.values()) {
            if (op.name().equals(text)) {
                return op;
            }
        }
        throw new InvalidRecordException(position, opField, raw, "unknown operation",
                "use one of STORE, UPDATE, DELETE (or leave it out for STORE)");
    }

    /**
     * The database: the value's database field, else the key's, else (the field is optional in
     * the wire contract) the topic template; the template alone when no field is configured.
     */
    private String database(SinkRecord record, Object value) {
        if (databaseField != null) {
            Object raw = valueField(value, databaseField, ValueFields::database);
            if (raw == null) {
                raw = field(record.key(), databaseField);
            }
            if (raw != null && !raw.toString().isEmpty()) {
                return raw.toString();
            }
        }
        return fromTemplate(record.topic());
    }

    private String fromTemplate(String topic) {
        TemplateName last = lastTemplateName;
        if (last == null || !last.topic().equals(topic)) {
            last = new TemplateName(topic, topicTemplate.replace(VectorSinkConfig.TOPIC_PLACEHOLDER, topic));
            lastTemplateName = last;
        }
        return last.database();
    }

    /** The database the template names for a topic: computed per topic, not per record. */
    private record TemplateName(String topic, String database) {
    }

    private String idFromKey(KafkaPosition position, Object key) {
        if (key instanceof CharSequence || key instanceof Number) {
            return requireId(position, key, "key", "key records by their vector id");
        }
        Object raw = field(key, idField);
        String fix = "key records by their vector id (a string, or a struct/map with '" + idField + "')";
        if (raw == null) {
            throw new InvalidRecordException(position, "key", key == null ? null : describeType(key),
                    "the key holds no vector id", fix);
        }
        return requireId(position, raw, "key." + idField, fix);
    }

    private static String requireId(KafkaPosition position, Object raw, String field, String fix) {
        if (raw == null) {
            throw new InvalidRecordException(position, field, null, "the record has no vector id", fix);
        }
        if (!(raw instanceof CharSequence) && !(raw instanceof Long) && !(raw instanceof Integer)
                && !(raw instanceof Short) && !(raw instanceof Byte)) {
            throw new InvalidRecordException(position, field, describeType(raw), "a vector id must be a string "
                    + "(or an integer)", fix);
        }
        String id = raw.toString();
        if (id.isEmpty()) {
            throw new InvalidRecordException(position, field, id, "the vector id is empty", fix);
        }
        return id;
    }

    /**
     * The vector: a float[] from an array field, a little-endian {@link ByteBuffer} (exactly the
     * vector's bytes) from the bytes field; null for an UPDATE that carries metadata and no
     * vector (a re-tag).
     */
    private Object readVector(KafkaPosition position, Object value, Op op, boolean hasMetadata) {
        Object list = valueField(value, vectorField, ValueFields::vector);
        Object bytes = valueField(value, vectorBytesField, ValueFields::vectorBytes);
        if (list != null && bytes != null) {
            throw new InvalidRecordException(position, vectorField, list, op + " carries both '" + vectorField
                    + "' and '" + vectorBytesField + "'", "send exactly one of them");
        }
        if (list == null && bytes == null) {
            if (op == Op.UPDATE && hasMetadata) {
                return null;
            }
            if (op == Op.UPDATE) {
                throw new InvalidRecordException(position, vectorField, null, "UPDATE carries neither a vector nor "
                        + "metadata, so it changes nothing", "set '" + vectorField + "' or '" + vectorBytesField
                        + "' to replace the vector, or a metadata field (kept per "
                        + VectorSinkConfig.METADATA_FIELDS_CONFIG + ") to replace the metadata, or send a DELETE");
            }
            throw new InvalidRecordException(position, vectorField, null, op + " carries no vector",
                    "set '" + vectorField + "' (array of numbers) or '" + vectorBytesField
                            + "' (little-endian float32 bytes), or send a DELETE");
        }
        return list != null ? fromList(position, list) : fromBytes(position, bytes);
    }

    private float[] fromList(KafkaPosition position, Object raw) {
        if (!(raw instanceof List<?> list)) {
            throw new InvalidRecordException(position, vectorField, describeType(raw), "the vector is not an array",
                    "send the vector as an array of numbers");
        }
        float[] vector = new float[list.size()];
        for (int i = 0; i < vector.length; i++) {
            Object element = list.get(i);
            if (!(element instanceof Number number)) {
                throw new InvalidRecordException(position, vectorField + "[" + i + "]", element,
                        "a vector component is not a number", "send only numbers (float32, float64 or integers)");
            }
            vector[i] = number.floatValue();
        }
        return vector;
    }

    /**
     * The bytes of a {@code vector_bytes} value, not decoded: a byte[] (the fast path's, or
     * decoded base64) is wrapped as it is. A ByteBuffer is wrapped only when it spans its whole
     * heap array; a slice of a larger array or a direct buffer is copied into one of its own, so
     * that the buffered mutation holds exactly the vector's bytes (what {@link RoutedMutation}
     * counts) and no buffer another component may reuse.
     */
    private ByteBuffer fromBytes(KafkaPosition position, Object raw) {
        ByteBuffer buffer;
        if (raw instanceof byte[] array) {
            buffer = ByteBuffer.wrap(array);
        } else if (raw instanceof ByteBuffer byteBuffer) {
            buffer = byteBuffer.duplicate();
            if (!buffer.hasArray() || buffer.arrayOffset() + buffer.position() != 0 || buffer.remaining() != buffer.array().length) {
                byte[] own = new byte[buffer.remaining()];
                buffer.get(own);
                buffer = ByteBuffer.wrap(own);
            }
        } else if (raw instanceof String base64) {
            try {
                buffer = ByteBuffer.wrap(Base64.getDecoder().decode(base64));
            } catch (IllegalArgumentException e) {
                throw new InvalidRecordException(position, vectorBytesField, base64, "not valid base64",
                        "in schemaless JSON send the float32 bytes base64-encoded", e);
            }
        } else {
            throw new InvalidRecordException(position, vectorBytesField, describeType(raw), "not bytes",
                    "send little-endian float32 bytes (base64 in schemaless JSON)");
        }
        int length = buffer.remaining();
        if (length == 0 || length % Float.BYTES != 0) {
            throw new InvalidRecordException(position, vectorBytesField, "<" + length + " bytes>",
                    "the length is not a positive multiple of 4", "send whole little-endian float32 values");
        }
        return buffer.order(ByteOrder.LITTLE_ENDIAN);
    }

    /** A named field of a Struct or Map, or null when absent (extra or missing fields are schema evolution). */
    /**
     * A configured field of a record's value: for a {@link Struct}, through the {@link Field}s of
     * its schema looked up once per schema object (converters hand every record of a writer schema
     * the same one; a look-up by name per field per record cost the general path 1.4 us per
     * record, issue 18), else by name.
     */
    private Object valueField(Object value, String name, Function<ValueFields, Field> which) {
        if (value instanceof Struct struct) {
            Field field = which.apply(valueFields(struct.schema()));
            return field == null ? null : struct.get(field);
        }
        return field(value, name);
    }

    private ValueFields valueFields(Schema schema) {
        ValueFields fields = valueFields;
        if (fields == null || fields.schema() != schema) {
            fields = new ValueFields(schema, lookup(schema, idField), lookup(schema, opField), lookup(schema, databaseField),
                    lookup(schema, vectorField), lookup(schema, vectorBytesField));
            valueFields = fields;
        }
        return fields;
    }

    private static Field lookup(Schema schema, String name) {
        return name == null ? null : schema.field(name);
    }

    /** The configured fields of one value schema (compared by identity). */
    private record ValueFields(Schema schema, Field id, Field op, Field database, Field vector, Field vectorBytes) {
    }

    static Object field(Object container, String name) {
        if (container instanceof Struct struct) {
            Field field = struct.schema().field(name);
            return field == null ? null : struct.get(field);
        }
        if (container instanceof Map<?, ?> map) {
            return map.get(name);
        }
        return null;
    }

    private static String describeType(Object value) {
        return "<" + value.getClass().getSimpleName() + ">";
    }
}
