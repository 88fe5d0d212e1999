package io.jadevectordb.connect.avro;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.dataformat.cbor.CBORFactory;
import com.fasterxml.jackson.dataformat.cbor.CBORGenerator;
import org.apache.avro.LogicalType;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.kafka.connect.errors.DataException;

/**
 * Transcodes the writer's metadata fields straight from Avro binary to one CBOR map (RFC 8949),
 * value by value as {@link VectorMutationReader} meets them in its single pass over the payload:
 * no Avro object, no Connect struct, no boxed vector is built on the way.
 *
 * <p>The bytes are exactly what the sink's generic-path encoder writes for the same logical
 * value (the contract in docs/schemas.md): Jackson's {@link CBORGenerator} with the factory's
 * defaults, maps and arrays of indefinite length, top-level fields in writer order with null ones
 * omitted, nested nulls kept, timestamps as tag 1 with float64 epoch seconds, dates as tag 100
 * with days, decimals as tag 4. What each writer type becomes is worked out once per writer
 * schema (a tree of {@link Node}s, recursive schemas included) and cached with the reader.
 *
 * <p>Hostile input: every length goes through {@link AvroPayload}, which checks it against the
 * bytes that remain before anything is allocated; containers nest at most {@value #MAX_DEPTH}
 * levels (the document's own map is the first); a document over {@code metadata.max.bytes} is
 * refused, never truncated. Immutable and thread-safe; {@link Document} is per record.
 */
final class MetadataTranscoder {

    /** Containers (maps, arrays, records) nested deeper than this, the document's map included, are refused. */
    static final int MAX_DEPTH = 64;

    /**
     * Output past this is not even generated: a hostile payload of records with many null fields
     * in a long array can expand far beyond its own size. Below it, the refusal names the size.
     */
    private static final int GIVE_UP_BYTES = 4 * VectorMutationAvroConverterConfig.METADATA_MAX_BYTES_LIMIT;

    /** Stateless after construction and safe to share; {@code new CBORFactory()}, no feature changed (the contract). */
    private static final CBORFactory CBOR = new CBORFactory();

    private enum Kind {
        NULL, BOOLEAN, INT, LONG, FLOAT, DOUBLE, STRING, BYTES, FIXED, ENUM, UNION, ARRAY, MAP, RECORD,
        DATE, TIMESTAMP_MILLIS, TIMESTAMP_MICROS, DECIMAL_BYTES, DECIMAL_FIXED
    }

    /** What to do with one value of one writer type. Mutable only while the tree is built. */
    private static final class Node {
        final Kind kind;
        int size;           // FIXED, DECIMAL_FIXED: bytes
        int scale;          // DECIMAL_*
        String[] symbols;   // ENUM
        String[] names;     // RECORD: field names, in writer order
        Node[] children;    // UNION: branches; ARRAY/MAP: [item]; RECORD: fields

        Node(Kind kind) {
            this.kind = kind;
        }
    }

    private final String[] names;
    private final Node[] fields;
    private final int maxBytes;

    private MetadataTranscoder(String[] names, Node[] fields, int maxBytes) {
        this.names = names;
        this.fields = fields;
        this.maxBytes = maxBytes;
    }

    /**
     * Prepares to transcode {@code kept}, the writer's metadata fields in writer order; slot
     * {@code i} of a {@link Document} is {@code kept.get(i)}.
     *
     * @param maxBytes the largest document accepted ({@code metadata.max.bytes})
     */
    static MetadataTranscoder forFields(List<Schema.Field> kept, int maxBytes) {
        Map<Schema, Node> built = new IdentityHashMap<>();
        String[] names = new String[kept.size()];
        Node[] fields = new Node[kept.size()];
        for (int i = 0; i < names.length; i++) {
            names[i] = kept.get(i).name();
            fields[i] = node(kept.get(i).schema(), built);
        }
        return new MetadataTranscoder(names, fields, maxBytes);
    }

    private static Node node(Schema schema, Map<Schema, Node> built) {
        Node known = built.get(schema);
        if (known != null) {
            return known; // a recursive record, or a named type used twice
        }
        Node node = new Node(kind(schema));
        built.put(schema, node);
        switch (schema.getType()) {
            case FIXED -> node.size = schema.getFixedSize();
            case ENUM -> node.symbols = schema.getEnumSymbols().toArray(String[]::new);
            case UNION -> node.children = schema.getTypes().stream().map(b -> node(b, built)).toArray(Node[]::new);
            case ARRAY -> node.children = new Node[] {node(schema.getElementType(), built)};
            case MAP -> node.children = new Node[] {node(schema.getValueType(), built)};
            case RECORD -> {
                node.names = schema.getFields().stream().map(Schema.Field::name).toArray(String[]::new);
                node.children = schema.getFields().stream().map(f -> node(f.schema(), built)).toArray(Node[]::new);
            }
            default -> { }
        }
        if (schema.getLogicalType() instanceof LogicalTypes.Decimal decimal) {
            node.scale = decimal.getScale();
        }
        return node;
    }

    /**
     * The node kind of a writer type. Logical types not named here (time-millis, time-micros,
     * local-timestamp-*, uuid, duration, ...) are written as their underlying type; an invalid
     * logical type is ignored by Avro's parser, so it never reaches here.
     */
    private static Kind kind(Schema schema) {
        LogicalType logical = schema.getLogicalType();
        String name = logical == null ? "" : logical.getName();
        return switch (schema.getType()) {
            case NULL -> Kind.NULL;
            case BOOLEAN -> Kind.BOOLEAN;
            case INT -> name.equals("date") ? Kind.DATE : Kind.INT;
            case LONG -> switch (name) {
                case "timestamp-millis" -> Kind.TIMESTAMP_MILLIS;
                case "timestamp-micros" -> Kind.TIMESTAMP_MICROS;
                default -> Kind.LONG;
            };
            case FLOAT -> Kind.FLOAT;
            case DOUBLE -> Kind.DOUBLE;
            case STRING -> Kind.STRING;
            case BYTES -> name.equals("decimal") ? Kind.DECIMAL_BYTES : Kind.BYTES;
            case FIXED -> name.equals("decimal") ? Kind.DECIMAL_FIXED : Kind.FIXED;
            case ENUM -> Kind.ENUM;
            case UNION -> Kind.UNION;
            case ARRAY -> Kind.ARRAY;
            case MAP -> Kind.MAP;
            case RECORD -> Kind.RECORD;
        };
    }

    /** A fresh document for one record; {@code where} names topic and schema id for errors. */
    Document document(String where) {
        return new Document(where);
    }

    /**
     * The metadata of one record, written as the reader meets each metadata field. Not
     * thread-safe; one per record.
     */
    final class Document {

        private final String where;
        /**
         * The field being written, for error messages: top-level name, then nested record field
         * names. Rendered only when an error is reported (an array item or map value keeps its
         * container's path).
         */
        private final String[] path = new String[MAX_DEPTH + 1];
        private int pathLength;
        private final Object at = new Object() {
            @Override
            public String toString() {
                return String.join(".", Arrays.asList(path).subList(0, pathLength));
            }
        };
        private BoundedBuffer out;
        private CBORGenerator gen;

        private Document(String where) {
            this.where = where;
        }

        /** Transcodes the value of metadata slot {@code slot}, which starts at the payload's position. */
        void field(int slot, AvroPayload in) {
            String name = names[slot];
            Node node = fields[slot];
            if (node.kind == Kind.UNION) {
                node = node.children[in.readIndex(name, node.children.length, "union branch")];
            }
            if (node.kind == Kind.NULL) {
                return; // a null top-level field is omitted (and no field at all means no document)
            }
            path[0] = name;
            pathLength = 1;
            try {
                if (gen == null) {
                    out = new BoundedBuffer(where, maxBytes);
                    gen = CBOR.createGenerator(out);
                    gen.writeStartObject();
                }
                gen.writeFieldName(name);
                write(node, in, 2);
            } catch (IOException e) {
                throw new UncheckedIOException(e); // only a memory buffer is written to
            }
        }

        /**
         * The finished CBOR map, or null when no metadata field was set.
         *
         * @throws DataException if the document exceeds {@code metadata.max.bytes}
         */
        byte[] finish() {
            if (gen == null) {
                return null;
            }
            try {
                gen.writeEndObject();
                gen.close();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return out.toByteArray();
        }

        /** Writes one value of {@code node}; a container written here is at nesting level {@code depth}. */
        private void write(Node node, AvroPayload in, int depth) throws IOException {
            switch (node.kind) {
                case NULL -> gen.writeNull();
                case BOOLEAN -> gen.writeBoolean(in.readBoolean(at));
                case INT -> gen.writeNumber((long) in.readInt(at));
                case LONG -> gen.writeNumber(in.readLong(at));
                case FLOAT -> gen.writeNumber(Float.intBitsToFloat(in.readFloatBits(at)));
                case DOUBLE -> gen.writeNumber(Double.longBitsToDouble(in.readDoubleBits(at)));
                case STRING -> gen.writeString(in.readString(at));
                case BYTES -> {
                    int length = in.readBytesLength(at);
                    gen.writeBinary(in.array(), in.take(at, length), length);
                }
                case FIXED -> gen.writeBinary(in.array(), in.take(at, node.size), node.size);
                case ENUM -> gen.writeString(node.symbols[in.readIndex(at, node.symbols.length, "enum symbol")]);
                case UNION -> write(node.children[in.readIndex(at, node.children.length, "union branch")], in, depth);
                case ARRAY -> {
                    enter(in, depth);
                    gen.writeStartArray();
                    for (long n = in.readItemCount(at); n > 0; n = in.readItemCount(at)) {
                        for (long i = 0; i < n; i++) {
                            write(node.children[0], in, depth + 1);
                        }
                    }
                    gen.writeEndArray();
                }
                case MAP -> {
                    enter(in, depth);
                    gen.writeStartObject();
                    for (long n = in.readItemCount(at); n > 0; n = in.readItemCount(at)) {
                        for (long i = 0; i < n; i++) {
                            gen.writeFieldName(in.readString(at));
                            write(node.children[0], in, depth + 1);
                        }
                    }
                    gen.writeEndObject();
                }
                case RECORD -> {
                    enter(in, depth);
                    gen.writeStartObject();
                    int parent = pathLength++;
                    for (int i = 0; i < node.children.length; i++) {
                        path[parent] = node.names[i];
                        gen.writeFieldName(node.names[i]);
                        write(node.children[i], in, depth + 1);
                    }
                    pathLength = parent;
                    gen.writeEndObject();
                }
                case DATE -> {
                    gen.writeTag(100); // RFC 8943: days since 1970-01-01
                    gen.writeNumber((long) in.readInt(at));
                }
                case TIMESTAMP_MILLIS -> {
                    long millis = in.readLong(at);
                    gen.writeTag(1); // RFC 8949 epoch-based date/time, here float64 seconds
                    gen.writeNumber(millis / 1000.0);
                }
                case TIMESTAMP_MICROS -> {
                    long micros = in.readLong(at);
                    gen.writeTag(1);
                    gen.writeNumber(micros / 1e6);
                }
                case DECIMAL_BYTES -> gen.writeNumber(decimal(in, in.readBytesLength(at), node.scale));
                case DECIMAL_FIXED -> gen.writeNumber(decimal(in, node.size, node.scale));
            }
        }

        private BigDecimal decimal(AvroPayload in, int length, int scale) {
            if (length == 0) {
                throw in.corruptValue(at, "is a decimal of 0 bytes (a decimal's unscaled value takes at least one)");
            }
            return new BigDecimal(new BigInteger(in.array(), in.take(at, length), length), scale);
        }

        /** Refuses a container at nesting level {@code depth} beyond {@value #MAX_DEPTH}, before recursing. */
        private void enter(AvroPayload in, int depth) {
            if (depth > MAX_DEPTH) {
                throw in.corruptValue(at, "nests deeper than " + MAX_DEPTH
                        + " levels of metadata; send metadata nested less deeply");
            }
        }
    }

    /**
     * The document's bytes, refused past {@code metadata.max.bytes}. It keeps counting past the
     * bound (storing nothing more), so the refusal can name the size, up to {@link #GIVE_UP_BYTES}.
     */
    private static final class BoundedBuffer extends OutputStream {
        private final String where;
        private final int maxBytes;
        private byte[] buf = new byte[256];
        private long count;

        BoundedBuffer(String where, int maxBytes) {
            this.where = where;
            this.maxBytes = maxBytes;
        }

        @Override
        public void write(int b) {
            if (room(1)) {
                buf[(int) count] = (byte) b;
            }
            count++;
        }

        @Override
        public void write(byte[] b, int off, int len) {
            if (room(len)) {
                System.arraycopy(b, off, buf, (int) count, len);
            }
            count += len;
        }

        /** Whether {@code len} more bytes are to be stored (within the bound); grows the buffer if so. */
        private boolean room(int len) {
            long end = count + len;
            if (end > GIVE_UP_BYTES) {
                throw tooLarge("more than " + GIVE_UP_BYTES);
            }
            if (end > maxBytes) {
                return false;
            }
            if (end > buf.length) {
                buf = Arrays.copyOf(buf, (int) Math.min(maxBytes, Math.max(end, 2L * buf.length)));
            }
            return true;
        }

        byte[] toByteArray() {
            if (count > maxBytes) {
                throw tooLarge(Long.toString(count));
            }
            return Arrays.copyOf(buf, (int) count);
        }

        private DataException tooLarge(String size) {
            return new DataException(String.format(
                    "%s: field 'metadata': the record's metadata is %s bytes as CBOR, over the limit of %d "
                            + "(converter setting %s); keep fewer fields with %s, or raise %s (at most %d); "
                            + "metadata is never truncated",
                    where, size, maxBytes, VectorMutationAvroConverterConfig.METADATA_MAX_BYTES_CONFIG,
                    VectorMutationAvroConverterConfig.METADATA_FIELDS_CONFIG,
                    VectorMutationAvroConverterConfig.METADATA_MAX_BYTES_CONFIG,
                    VectorMutationAvroConverterConfig.METADATA_MAX_BYTES_LIMIT));
        }
    }
}
