package io.jadevectordb.connect.avro;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import org.apache.avro.Schema;
import org.apache.kafka.connect.errors.DataException;

/**
 * One Avro binary payload, read front to back with every length it claims checked against the
 * bytes that remain <em>before</em> anything is allocated or looped over.
 *
 * <p>Avro's own decoder allocates a string or bytes value of the length the payload claims (up
 * to 2^31 bytes) and only then finds the payload shorter; a record of a few bytes claiming
 * hundreds of megabytes is an {@link OutOfMemoryError} that no {@code errors.tolerance} catches,
 * and the task fails again on it at every restart. Here a claim larger than what remains is a
 * {@link DataException} naming the field, the claim and the bytes remaining, which Connect and
 * the sink route like any bad record. Block counts of arrays and maps are bounded the same way
 * (each item takes at least one byte), also in fields that are only skipped, so a hostile count
 * cannot spin the task either; nesting is bounded by {@value #MAX_DEPTH} levels.
 *
 * <p>Encoding per the Avro specification: zig-zag varints for int and long, lengths and block
 * counts as longs, a negative block count followed by the block's size in bytes, floats as
 * 4 little-endian bytes. Not thread-safe; one instance per payload.
 *
 * <p>Every method takes the {@code field} being read for its error messages: its name, or an
 * object whose {@code toString()} names it (the metadata transcoder's path of nested fields,
 * rendered only when an error is reported, so the happy path concatenates no strings).
 */
final class AvroPayload {

    /** Deeper nesting than this in a vector mutation is hostile, not a schema anyone uses. */
    static final int MAX_DEPTH = 64;

    private final String where;
    private final byte[] data;
    private final int start;
    private final int limit;
    private int pos;

    /**
     * @param where the topic and schema id, for error messages
     * @param data buffer holding the payload
     * @param offset where the payload starts
     * @param length its length in bytes
     */
    AvroPayload(String where, byte[] data, int offset, int length) {
        if (offset < 0 || length < 0 || offset > data.length - length) {
            throw new IllegalArgumentException("payload " + offset + "+" + length + " outside a buffer of " + data.length);
        }
        this.where = where;
        this.data = data;
        this.start = offset;
        this.limit = offset + length;
        this.pos = offset;
    }

    /** Bytes not yet read. */
    int remaining() {
        return limit - pos;
    }

    /** A zig-zag varint long. */
    long readLong(Object field) {
        long raw = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            if (pos >= limit) {
                throw corrupt(field, "ends inside a variable-length integer");
            }
            int b = data[pos++] & 0xff;
            raw |= (long) (b & 0x7f) << shift;
            if ((b & 0x80) == 0) {
                return (raw >>> 1) ^ -(raw & 1);
            }
        }
        throw corrupt(field, "has a variable-length integer longer than 10 bytes");
    }

    /** A zig-zag varint int. */
    int readInt(Object field) {
        long value = readLong(field);
        if (value != (int) value) {
            throw corrupt(field, "has an int of " + value + ", outside the 32-bit range");
        }
        return value == 0 ? 0 : (int) value;
    }

    /** A union branch or enum symbol index in {@code [0, count)}. */
    int readIndex(Object field, int count, String what) {
        long index = readLong(field);
        if (index < 0 || index >= count) {
            throw corrupt(field, "names " + what + " " + index + " of " + count);
        }
        return (int) index;
    }

    /** A UTF-8 string. */
    String readString(Object field) {
        int length = readLength(field, "a string");
        String s = new String(data, pos, length, StandardCharsets.UTF_8);
        pos += length;
        return s;
    }

    /** A bytes value. */
    byte[] readBytes(Object field) {
        int length = readLength(field, "a bytes value");
        byte[] b = Arrays.copyOfRange(data, pos, pos + length);
        pos += length;
        return b;
    }

    /** A boolean: one byte, true when it is 1 (as Avro's own decoder reads it). */
    boolean readBoolean(Object field) {
        return data[take(field, 1)] == 1;
    }

    /** The raw bits of a float: 4 little-endian bytes. */
    int readFloatBits(Object field) {
        int at = take(field, Float.BYTES);
        return littleEndianInt(at);
    }

    /** The raw bits of a double: 8 little-endian bytes. */
    long readDoubleBits(Object field) {
        int at = take(field, Double.BYTES);
        return (littleEndianInt(at) & 0xffffffffL) | (long) littleEndianInt(at + 4) << 32;
    }

    private int littleEndianInt(int at) {
        return (data[at] & 0xff) | (data[at + 1] & 0xff) << 8 | (data[at + 2] & 0xff) << 16 | (data[at + 3] & 0xff) << 24;
    }

    /** The length of a bytes value, checked against what remains; its bytes follow ({@link #take}). */
    int readBytesLength(Object field) {
        return readLength(field, "a bytes value");
    }

    /**
     * Consumes the next {@code length} bytes, checked against what remains, and returns where
     * they start in {@link #array()}: a bytes or fixed value is then copied once, by its consumer.
     */
    int take(Object field, int length) {
        if (length > remaining()) {
            throw claim(field, length + " bytes");
        }
        int at = pos;
        pos += length;
        return at;
    }

    /** The buffer the payload lies in (offsets from {@link #take} point into it). */
    byte[] array() {
        return data;
    }

    /**
     * The item count of the next block of an array or map whose items are decoded one by one (0
     * at the end). Each item is taken to need at least one byte, as in {@link #skip}, so a
     * hostile count is refused before it is looped over; a negative count's block size is read
     * and checked against what remains.
     */
    long readItemCount(Object field) {
        long count = readLong(field);
        if (count < 0) {
            if (count == Long.MIN_VALUE) {
                throw claim(field, "a block of " + count + " items");
            }
            count = -count;
            checkCount(field, count, 1);
            long size = readLong(field);
            if (size < 0 || size > remaining()) {
                throw claim(field, "a block of " + size + " bytes");
            }
            if (count > size) {
                throw corrupt(field, "has a block of " + count + " items in " + size + " bytes");
            }
        }
        checkCount(field, count, 1);
        return count;
    }

    /** A data error at the current position naming {@code field} and {@code problem}. */
    DataException corruptValue(Object field, String problem) {
        return corrupt(field, problem);
    }

    /**
     * An {@code array<float>} as packed little-endian float32, one copy per block: Avro's float
     * encoding already is little-endian IEEE-754, so no float is materialized (NaN payloads
     * survive bit-exact).
     */
    byte[] readFloatArray(Object field) {
        byte[] out = new byte[0];
        int filled = 0;
        for (long count = readBlockCount(field, Float.BYTES); count > 0; count = readBlockCount(field, Float.BYTES)) {
            int bytes = (int) count * Float.BYTES; // readBlockCount bounded count by the bytes remaining
            out = Arrays.copyOf(out, filled + bytes);
            System.arraycopy(data, pos, out, filled, bytes);
            pos += bytes;
            filled += bytes;
        }
        return out;
    }

    /** Reads past one value of {@code schema} (a writer field the reader does not use). */
    void skip(Schema schema, Object field) {
        skip(schema, field, 0);
    }

    private void skip(Schema schema, Object field, int depth) {
        if (depth > MAX_DEPTH) {
            throw corrupt(field, "nests deeper than " + MAX_DEPTH + " levels");
        }
        switch (schema.getType()) {
            case NULL -> { }
            case BOOLEAN -> skipFixed(field, 1);
            case INT, LONG -> readLong(field);
            case FLOAT -> skipFixed(field, Float.BYTES);
            case DOUBLE -> skipFixed(field, Double.BYTES);
            case STRING -> skipFixed(field, readLength(field, "a string"));
            case BYTES -> skipFixed(field, readLength(field, "a bytes value"));
            case FIXED -> skipFixed(field, schema.getFixedSize());
            case ENUM -> readIndex(field, schema.getEnumSymbols().size(), "enum symbol");
            case UNION -> skip(schema.getTypes().get(readIndex(field, schema.getTypes().size(), "union branch")), field,
                    depth + 1);
            case RECORD -> {
                for (Schema.Field f : schema.getFields()) {
                    skip(f.schema(), field + "." + f.name(), depth + 1);
                }
            }
            case ARRAY -> skipBlocks(schema.getElementType(), null, field, depth);
            case MAP -> skipBlocks(schema.getValueType(), Schema.create(Schema.Type.STRING), field, depth);
            default -> throw new IllegalStateException("unknown Avro type " + schema.getType());
        }
    }

    private void skipBlocks(Schema item, Schema key, Object field, int depth) {
        while (true) {
            long count = readLong(field);
            if (count == 0) {
                return;
            }
            if (count < 0) {
                // A negative count is followed by the block's size: skip it whole.
                long size = readLong(field);
                if (size < 0 || size > remaining()) {
                    throw claim(field, "a block of " + size + " bytes");
                }
                long items = count == Long.MIN_VALUE ? Long.MAX_VALUE : -count;
                if (items > size) {
                    // Every item takes at least one byte here too (see checkCount).
                    throw corrupt(field, "has a block of " + items + " items in " + size + " bytes");
                }
                pos += (int) size;
                continue;
            }
            checkCount(field, count, 1);
            for (long i = 0; i < count; i++) {
                if (key != null) {
                    skip(key, field, depth + 1);
                }
                skip(item, field, depth + 1);
            }
        }
    }

    /**
     * The item count of the next array block (0 at the end), each item at least
     * {@code itemBytes} bytes; a negative count's block size is read and checked too.
     */
    private long readBlockCount(Object field, int itemBytes) {
        long count = readLong(field);
        if (count < 0) {
            if (count == Long.MIN_VALUE) {
                throw claim(field, "a block of " + count + " items");
            }
            count = -count;
            checkCount(field, count, itemBytes);
            long size = readLong(field);
            if (size != count * itemBytes) {
                throw corrupt(field, "has a block of " + count + " items in " + size + " bytes");
            }
        }
        checkCount(field, count, itemBytes);
        return count;
    }

    private void checkCount(Object field, long count, int itemBytes) {
        if (count > remaining() / itemBytes) {
            throw claim(field, count + " more items of at least " + itemBytes + " byte" + (itemBytes == 1 ? "" : "s"));
        }
    }

    /** A string or bytes length, checked against what remains. */
    private int readLength(Object field, String what) {
        long length = readLong(field);
        if (length < 0 || length > remaining()) {
            throw claim(field, what + " of " + length + " bytes");
        }
        return (int) length;
    }

    private void skipFixed(Object field, int length) {
        if (length > remaining()) {
            throw claim(field, length + " bytes");
        }
        pos += length;
    }

    private DataException claim(Object field, String claimed) {
        return new DataException(String.format(
                "%s: field '%s' claims %s but only %d bytes remain of the %d-byte Avro payload (at byte %d); the "
                        + "value is corrupt, truncated or hostile, or was written with another schema than its id says",
                where, field, claimed, remaining(), limit - start, pos - start));
    }

    private DataException corrupt(Object field, String problem) {
        return new DataException(String.format(
                "%s: field '%s' %s (at byte %d of the %d-byte Avro payload); the value is corrupt, truncated or "
                        + "was written with another schema than its id says", where, field, problem, pos - start, limit - start));
    }
}
