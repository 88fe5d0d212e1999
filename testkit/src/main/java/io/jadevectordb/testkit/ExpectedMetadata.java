package io.jadevectordb.testkit;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

import com.fasterxml.jackson.dataformat.cbor.CBORFactory;
import com.fasterxml.jackson.dataformat.cbor.CBORGenerator;
import org.apache.avro.LogicalType;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericFixed;
import org.apache.avro.generic.GenericRecord;

/**
 * The metadata bytes the sink must store for an Avro value, computed here from the decoded
 * record and the metadata contract alone (docs/schemas.md), never with the connector's code, so
 * that a test comparing the shards with it checks the connector rather than repeating it.
 *
 * <p>One CBOR map (RFC 8949) written with Jackson's {@link CBORGenerator} at its defaults: the
 * kept top-level fields in the writer schema's order, null ones omitted, no map at all when none
 * is set; maps and arrays of indefinite length; nested records with every field, nulls as CBOR
 * null. Logical types as the Avro fast path writes them: timestamp-millis and timestamp-micros as
 * tag 1 with float64 epoch seconds, date as tag 100 with days, decimal as tag 4; time and
 * local-timestamp as plain integers (the generic Apicurio converter path delivers timestamp-micros as
 * a plain long, which this class does not model). Neither {@code metadata.max.bytes} nor the nesting
 * limit is modelled: a value over either is a bad record the sink dead-letters, so callers keep
 * their metadata well inside both, as {@link SampleMetadata} does.
 */
public final class ExpectedMetadata {

    /** The fields the sink reads itself under the shipped config; {@code metadata.fields=all} keeps every other one. */
    public static final Set<String> SINK_FIELDS = Set.of("database", "id", "op", "vector", "vector_bytes");

    /** {@code metadata.fields=all} (the default): every field but {@link #SINK_FIELDS}. */
    public static final Predicate<String> ALL = name -> !SINK_FIELDS.contains(name);

    private static final CBORFactory CBOR = new CBORFactory();

    private ExpectedMetadata() {
    }

    /** The metadata of {@code value} under {@code metadata.fields=all}; null when it carries none. */
    public static byte[] of(GenericRecord value) {
        return of(value, ALL);
    }

    /**
     * The metadata of {@code value} keeping the top-level fields {@code kept} accepts; null when
     * none of them is set.
     */
    public static byte[] of(GenericRecord value, Predicate<String> kept) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        boolean any = false;
        try (CBORGenerator g = CBOR.createGenerator(bytes)) {
            g.writeStartObject();
            for (Schema.Field field : value.getSchema().getFields()) {
                Object v = value.get(field.pos());
                if (v == null || !kept.test(field.name())) {
                    continue;
                }
                any = true;
                g.writeFieldName(field.name());
                write(g, field.schema(), v);
            }
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return any ? bytes.toByteArray() : null;
    }

    private static void write(CBORGenerator g, Schema schema, Object v) throws IOException {
        if (v == null) {
            g.writeNull();
            return;
        }
        LogicalType logical = schema.getLogicalType();
        switch (schema.getType()) {
            case UNION -> write(g, schema.getTypes().get(GenericData.get().resolveUnion(schema, v)), v);
            case NULL -> g.writeNull();
            case BOOLEAN -> g.writeBoolean((Boolean) v);
            case INT -> {
                if (logical instanceof LogicalTypes.Date) {
                    g.writeTag(100);
                }
                g.writeNumber((long) (Integer) v);
            }
            case LONG -> {
                long n = (Long) v;
                if (logical instanceof LogicalTypes.TimestampMillis) {
                    g.writeTag(1);
                    g.writeNumber(n / 1000.0);
                } else if (logical instanceof LogicalTypes.TimestampMicros) {
                    g.writeTag(1);
                    g.writeNumber(n / 1e6);
                } else {
                    g.writeNumber(n);
                }
            }
            case FLOAT -> g.writeNumber((float) (Float) v);
            case DOUBLE -> g.writeNumber((double) (Double) v);
            case STRING, ENUM -> g.writeString(v.toString());
            case BYTES -> {
                ByteBuffer buffer = ((ByteBuffer) v).duplicate();
                byte[] b = new byte[buffer.remaining()];
                buffer.get(b);
                bytes(g, logical, b);
            }
            case FIXED -> bytes(g, logical, ((GenericFixed) v).bytes());
            case ARRAY -> {
                g.writeStartArray();
                for (Object element : (Iterable<?>) v) {
                    write(g, schema.getElementType(), element);
                }
                g.writeEndArray();
            }
            case MAP -> {
                g.writeStartObject();
                for (Map.Entry<?, ?> e : ((Map<?, ?>) v).entrySet()) {
                    g.writeFieldName(e.getKey().toString());
                    write(g, schema.getValueType(), e.getValue());
                }
                g.writeEndObject();
            }
            case RECORD -> {
                GenericRecord record = (GenericRecord) v;
                g.writeStartObject();
                for (Schema.Field field : schema.getFields()) {
                    g.writeFieldName(field.name());
                    write(g, field.schema(), record.get(field.pos()));
                }
                g.writeEndObject();
            }
        }
    }

    private static void bytes(CBORGenerator g, LogicalType logical, byte[] b) throws IOException {
        if (logical instanceof LogicalTypes.Decimal decimal) {
            g.writeNumber(new BigDecimal(new BigInteger(b), decimal.getScale()));
        } else {
            g.writeBinary(b, 0, b.length);
        }
    }
}
