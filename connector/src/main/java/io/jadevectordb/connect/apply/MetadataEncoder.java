package io.jadevectordb.connect.apply;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.Date;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.dataformat.cbor.CBORFactory;
import com.fasterxml.jackson.dataformat.cbor.CBORGenerator;
import org.apache.kafka.connect.data.Decimal;
import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.data.Time;
import org.apache.kafka.connect.data.Timestamp;

import io.jadevectordb.connect.VectorSinkConfig;
import io.jadevectordb.connect.offsets.KafkaPosition;

/**
 * Encodes the kept fields of a record's value, a Connect {@link Struct} (any converter with
 * schemas) or a schemaless {@link Map} (JSON without schemas), as one CBOR map: the byte-exact
 * mapping of the metadata contract (docs/schemas.md), which the Avro fast path's transcoder
 * follows too, so that the same logical value is the same bytes on either path.
 *
 * <p>One encoder per task thread: it reuses its output buffer and generator from record to
 * record (not thread-safe). A value it cannot encode (a map key that is neither a string nor an
 * integer, nesting deeper than {@value #MAX_DEPTH} levels, a document above
 * {@code metadata.max.bytes}) is an {@link InvalidRecordException} naming the field path and
 * the fix, never a truncated document or a {@link StackOverflowError}.
 */
final class MetadataEncoder {

    /** Deepest nesting of maps and arrays, the top-level map included. */
    static final int MAX_DEPTH = 64;
    private static final long MILLIS_PER_DAY = 86_400_000L;
    private static final int INITIAL_BUFFER = 1024;
    /** RFC 8949 tag 1: epoch-based date/time (here a float64 of seconds). */
    private static final int TAG_EPOCH_SECONDS = 1;
    /** RFC 8943 tag 100: days since 1970-01-01. */
    private static final int TAG_EPOCH_DAYS = 100;

    /** Null when every field not in {@link #sinkFields} is kept. */
    private final Set<String> kept;
    private final Set<String> sinkFields;
    private final int maxBytes;
    private final CBORFactory factory = new CBORFactory();
    /** Reused across records; replaced when a refused record grew it beyond the bound. */
    private ByteArrayOutputStream out = new ByteArrayOutputStream(INITIAL_BUFFER);
    /** Reused across records; replaced when a record is refused halfway through its document. */
    private CBORGenerator generator;

    /**
     * @param kept       the fields to keep, or null for every field but {@code sinkFields}
     * @param sinkFields the fields the sink reads itself, never kept
     * @param maxBytes   the largest document, {@code metadata.max.bytes}
     */
    MetadataEncoder(Set<String> kept, Set<String> sinkFields, int maxBytes) {
        this.kept = kept;
        this.sinkFields = sinkFields;
        this.maxBytes = maxBytes;
        this.generator = newGenerator();
    }

    /** Whether a top-level field of this name becomes metadata. */
    boolean keeps(String field) {
        return !sinkFields.contains(field) && (kept == null || kept.contains(field));
    }

    /**
     * The kept non-null fields of {@code value} as one CBOR map, or null when there are none.
     *
     * @param value a {@link Struct} or a {@link Map} with string keys
     * @throws InvalidRecordException when the fields cannot be encoded or encode too large
     */
    byte[] encode(KafkaPosition position, Object value) {
        boolean success = false;
        try {
            byte[] document = value instanceof Struct struct ? encodeStruct(position, struct)
                    : encodeMap(position, (Map<?, ?>) value);
            success = true;
            return document;
        } catch (Refusal refusal) {
            throw new InvalidRecordException(position, refusal.path(), refusal.value, refusal.reason, refusal.fix);
        } catch (IOException e) {
            throw new UncheckedIOException("encoding metadata in memory failed at " + position, e);
        } finally {
            if (out.size() > maxBytes) {
                // One huge field of a refused record grew the buffer: do not keep that much for good.
                out = new ByteArrayOutputStream(INITIAL_BUFFER);
                generator = newGenerator();
            } else if (!success) {
                // A refusal leaves the generator inside the document: start the next record afresh.
                out.reset();
                generator = newGenerator();
            } else {
                out.reset();
            }
        }
    }

    private byte[] encodeStruct(KafkaPosition position, Struct struct) throws IOException {
        boolean started = false;
        for (Field field : struct.schema().fields()) {
            if (!keeps(field.name())) {
                continue;
            }
            // Without the schema's default: the metadata is what the writer sent.
            Object fieldValue = struct.getWithoutDefault(field.name());
            if (fieldValue == null) {
                continue; // the contract omits top-level nulls: an absent field and a null one look the same
            }
            started = startDocument(started);
            generator.writeFieldName(field.name());
            try {
                write(field.schema(), fieldValue);
            } catch (Refusal refusal) {
                throw refusal.at(field.name());
            }
            checkSize(position, false);
        }
        return finish(position, started);
    }

    private byte[] encodeMap(KafkaPosition position, Map<?, ?> map) throws IOException {
        boolean started = false;
        for (Map.Entry<?, ?> entry : map.entrySet()) {
            if (!(entry.getKey() instanceof String name)) {
                throw new Refusal(entry.getKey(), "a schemaless value's field names must be strings",
                        "send the value as a JSON object");
            }
            if (entry.getValue() == null || !keeps(name)) {
                continue;
            }
            started = startDocument(started);
            generator.writeFieldName(name);
            try {
                write(null, entry.getValue());
            } catch (Refusal refusal) {
                throw refusal.at(name);
            }
            checkSize(position, false);
        }
        return finish(position, started);
    }

    private boolean startDocument(boolean started) throws IOException {
        if (!started) {
            generator.writeStartObject();
        }
        return true;
    }

    private byte[] finish(KafkaPosition position, boolean started) throws IOException {
        if (!started) {
            return null; // no kept non-null field: no metadata, not an empty map
        }
        generator.writeEndObject();
        generator.flush();
        checkSize(position, true);
        return out.toByteArray();
    }

    /** Checked after each top-level field too, so that a huge record stops growing the buffer early. */
    private void checkSize(KafkaPosition position, boolean complete) {
        long size = (long) out.size() + Math.max(0, generator.getOutputBuffered());
        if (size > maxBytes) {
            throw tooLarge(position, size, complete, maxBytes);
        }
    }

    /**
     * The bad-record error of a metadata document above {@code metadata.max.bytes}, the one
     * message for what this encoder writes and what the Avro fast path encoded.
     *
     * @param complete false when {@code size} is what the first fields already took
     */
    static InvalidRecordException tooLarge(KafkaPosition position, long size, boolean complete, int maxBytes) {
        return new InvalidRecordException(position, "metadata",
                new InvalidRecordException.Rendered("<" + (complete ? "" : "at least ") + size + " bytes>"),
                "the kept fields encode to " + (complete ? "" : "at least ") + size + " bytes of metadata, more than "
                        + VectorSinkConfig.setting(VectorSinkConfig.METADATA_MAX_BYTES_CONFIG, maxBytes),
                "keep fewer fields with " + VectorSinkConfig.METADATA_FIELDS_CONFIG + ", or raise "
                        + VectorSinkConfig.METADATA_MAX_BYTES_CONFIG + " (at most "
                        + VectorSinkConfig.METADATA_MAX_BYTES_LIMIT + ")");
    }

    /** Writes one value below the top level; {@code schema} null for a schemaless value. */
    private void write(Schema schema, Object value) throws IOException {
        if (value == null) {
            generator.writeNull();
            return;
        }
        if (schema == null) {
            writeSchemaless(value);
            return;
        }
        try {
            if (schema.name() == null || !writeLogical(schema.name(), value)) {
                writeTyped(schema, value);
            }
        } catch (ClassCastException e) {
            // A Struct validates its values on put, but a Map or List inside it may still hold anything.
            throw new Refusal(describe(value), "the value does not match its schema (" + schema.type()
                    + (schema.name() == null ? "" : " " + schema.name()) + ")",
                    "fix the producer or the converter so values match their schema");
        }
    }

    private boolean writeLogical(String logicalName, Object value) throws IOException {
        switch (logicalName) {
            case Timestamp.LOGICAL_NAME -> {
                generator.writeTag(TAG_EPOCH_SECONDS);
                generator.writeNumber(((Date) value).getTime() / 1000.0);
            }
            case org.apache.kafka.connect.data.Date.LOGICAL_NAME -> { // CHECKSTYLE:FQN clashes with java.util.Date
                generator.writeTag(TAG_EPOCH_DAYS);
                generator.writeNumber(Math.floorDiv(((Date) value).getTime(), MILLIS_PER_DAY));
            }
            case Time.LOGICAL_NAME -> generator.writeNumber(((Date) value).getTime());
            case Decimal.LOGICAL_NAME -> generator.writeNumber((BigDecimal) value);
            default -> {
                return false; // a named schema that is not a logical type: its plain type decides
            }
        }
        return true;
    }

    private void writeTyped(Schema schema, Object value) throws IOException {
        switch (schema.type()) {
            case INT8, INT16, INT32, INT64 -> generator.writeNumber(((Number) value).longValue());
            case FLOAT32 -> generator.writeNumber(((Number) value).floatValue());
            case FLOAT64 -> generator.writeNumber(((Number) value).doubleValue());
            case BOOLEAN -> generator.writeBoolean((Boolean) value);
            case STRING -> generator.writeString((String) value);
            case BYTES -> writeBytes(value);
            case ARRAY -> {
                enterNested();
                generator.writeStartArray();
                writeElements(schema.valueSchema(), (List<?>) value);
                generator.writeEndArray();
            }
            case MAP -> {
                enterNested();
                generator.writeStartObject();
                for (Map.Entry<?, ?> entry : ((Map<?, ?>) value).entrySet()) {
                    writeKey(entry.getKey());
                    try {
                        write(schema.valueSchema(), entry.getValue());
                    } catch (Refusal refusal) {
                        throw refusal.at(String.valueOf(entry.getKey()));
                    }
                }
                generator.writeEndObject();
            }
            case STRUCT -> writeNestedStruct((Struct) value);
            default -> throw new Refusal(describe(value), "schema type " + schema.type() + " has no metadata encoding",
                    "leave the field out with " + VectorSinkConfig.METADATA_FIELDS_CONFIG);
        }
    }

    /** Types as schemaless JSON (and SMTs) deliver them. */
    private void writeSchemaless(Object value) throws IOException {
        if (value instanceof String text) {
            generator.writeString(text);
        } else if (value instanceof Boolean bool) {
            generator.writeBoolean(bool);
        } else if (value instanceof Long || value instanceof Integer || value instanceof Short || value instanceof Byte) {
            generator.writeNumber(((Number) value).longValue());
        } else if (value instanceof Float number) {
            generator.writeNumber(number.floatValue());
        } else if (value instanceof Double number) {
            generator.writeNumber(number.doubleValue());
        } else if (value instanceof BigDecimal decimal) {
            generator.writeNumber(decimal);
        } else if (value instanceof byte[] || value instanceof ByteBuffer) {
            writeBytes(value);
        } else if (value instanceof Date date) {
            writeLogical(Timestamp.LOGICAL_NAME, date);
        } else if (value instanceof List<?> list) {
            enterNested();
            generator.writeStartArray();
            writeElements(null, list);
            generator.writeEndArray();
        } else if (value instanceof Map<?, ?> map) {
            enterNested();
            generator.writeStartObject();
            for (Map.Entry<?, ?> entry : map.entrySet()) {
                writeKey(entry.getKey());
                try {
                    write(null, entry.getValue());
                } catch (Refusal refusal) {
                    throw refusal.at(String.valueOf(entry.getKey()));
                }
            }
            generator.writeEndObject();
        } else if (value instanceof Struct struct) {
            writeNestedStruct(struct);
        } else {
            throw new Refusal(describe(value), "a " + value.getClass().getSimpleName() + " has no metadata encoding",
                    "send strings, numbers, booleans, bytes, arrays, maps or records, or leave the field out with "
                            + VectorSinkConfig.METADATA_FIELDS_CONFIG);
        }
    }

    private void writeElements(Schema elementSchema, List<?> list) throws IOException {
        for (int i = 0; i < list.size(); i++) {
            try {
                write(elementSchema, list.get(i));
            } catch (Refusal refusal) {
                throw refusal.atIndex(i);
            }
        }
    }

    /** A nested record: every field, nulls too, in schema order. */
    private void writeNestedStruct(Struct struct) throws IOException {
        enterNested();
        generator.writeStartObject();
        for (Field field : struct.schema().fields()) {
            generator.writeFieldName(field.name());
            try {
                write(field.schema(), struct.getWithoutDefault(field.name()));
            } catch (Refusal refusal) {
                throw refusal.at(field.name());
            }
        }
        generator.writeEndObject();
    }

    private void writeKey(Object key) throws IOException {
        if (key instanceof String name) {
            generator.writeFieldName(name);
        } else if (key instanceof Long || key instanceof Integer || key instanceof Short || key instanceof Byte) {
            generator.writeFieldId(((Number) key).longValue());
        } else {
            throw new Refusal(key == null ? null : describe(key), "metadata map keys must be strings or integers",
                    "key the map by strings or integers, or leave the field out with "
                            + VectorSinkConfig.METADATA_FIELDS_CONFIG);
        }
    }

    private void writeBytes(Object value) throws IOException {
        if (value instanceof byte[] bytes) {
            generator.writeBinary(bytes, 0, bytes.length);
            return;
        }
        ByteBuffer buffer = (ByteBuffer) value;
        if (buffer.hasArray()) {
            generator.writeBinary(buffer.array(), buffer.arrayOffset() + buffer.position(), buffer.remaining());
        } else {
            byte[] copy = new byte[buffer.remaining()];
            buffer.duplicate().get(copy);
            generator.writeBinary(copy, 0, copy.length);
        }
    }

    /** Refuses a map or array that would nest deeper than {@link #MAX_DEPTH}, before it is started. */
    private void enterNested() {
        if (generator.getOutputContext().getNestingDepth() >= MAX_DEPTH) {
            throw new Refusal(null, "the metadata nests deeper than " + MAX_DEPTH + " levels of maps and arrays",
                    "send metadata nested less deeply, or leave the field out with "
                            + VectorSinkConfig.METADATA_FIELDS_CONFIG);
        }
    }

    private CBORGenerator newGenerator() {
        try {
            return factory.createGenerator(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String describe(Object value) {
        return "<" + value.getClass().getSimpleName() + ">";
    }

    /**
     * Why a value cannot be encoded; each level it passes on the way up adds its field name or
     * index, so the path is only built when a record is refused.
     */
    private static final class Refusal extends RuntimeException {
        private final transient Object value;
        private final String reason;
        private final String fix;
        private final Deque<String> segments = new ArrayDeque<>();

        Refusal(Object value, String reason, String fix) {
            super(reason, null, false, false);
            this.value = value;
            this.reason = reason;
            this.fix = fix;
        }

        Refusal at(String name) {
            segments.addFirst("." + name);
            return this;
        }

        Refusal atIndex(int index) {
            segments.addFirst("[" + index + "]");
            return this;
        }

        String path() {
            String path = String.join("", segments);
            return path.isEmpty() ? "metadata" : path.startsWith(".") ? path.substring(1) : path;
        }
    }
}
