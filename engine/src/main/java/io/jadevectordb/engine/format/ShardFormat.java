package io.jadevectordb.engine.format;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.zip.CRC32C;

import io.jadevectordb.engine.CorruptShardException;
import io.jadevectordb.engine.Database;
import io.jadevectordb.engine.StoreOptions;

/**
 * The byte layout of a version 2 shard file: a header page, then an append-only log of
 * records. {@code docs/format.md} is the full specification; this is its summary.
 *
 * <pre>
 * offset  size  header page (4096 bytes)
 *   0       4   magic "JVDB"
 *   4       2   version (2)
 *   6       2   reserved (0)
 *   8       4   dimension
 *  12       4   maxIdBytes
 *  16       8   logId: random, new for every file written whole (creation, compaction, migration)
 *  24      36   reserved (0)
 *  60       4   CRC32C of bytes 0..59
 * 512      64   checkpoint copy A (odd generations), see {@link Checkpoint}
 * 1024     64   checkpoint copy B (even generations)
 *
 * record (from 4096, each 8-byte aligned, appended in source order)
 *   0       4   length: the whole record, padding included (a multiple of 8)
 *   4       1   type: 1 STORE (a vector), 2 DELETE (a tombstone)
 *   5       1   flags: bit 0 metadata present (the other bits 0)
 *   6       2   idLength (1..maxIdBytes)
 *   8       8   sourceOffset of the mutation
 *  16       4   payloadLength: dimension * 4 for STORE, 0 for DELETE
 *  20       4   CRC32C of bytes 0..19 and of payload, id and metadata (length field included)
 *  24   payload vector, float32 little-endian
 *   .   idLength id, UTF-8
 *   .       4   metadataLength (only with flags bit 0; 0..MAX_METADATA_BYTES)
 *   .       .   metadata, opaque (only with flags bit 0)
 *   .       .   zero padding to the next multiple of 8
 * </pre>
 *
 * All integers are little-endian. Bytes before a checkpoint's {@code logEnd} are never
 * rewritten; bytes after it belong to no commit and are overwritten by the next appends.
 */
public final class ShardFormat {

    /** Magic bytes at offset 0: ASCII "JVDB" (read big-endian). */
    static final int MAGIC = 0x4A564442;
    public static final short VERSION = 2;
    public static final int PAGE_SIZE = 4096;
    static final int HEADER_CRC_OFFSET = 60;
    public static final int CHECKPOINT_A_OFFSET = 512;
    public static final int CHECKPOINT_B_OFFSET = 1024;
    /** Where the first record starts. */
    public static final long FIRST_RECORD = PAGE_SIZE;

    public static final int RECORD_HEADER = 24;
    public static final int RECORD_ALIGNMENT = 8;
    public static final byte TYPE_STORE = 1;
    public static final byte TYPE_DELETE = 2;
    /** Record flags bit 0: a metadata length and document follow the id. */
    public static final byte FLAG_METADATA = 1;
    /**
     * The format's bound on one metadata document: a record with the largest vector, id and
     * document stays under 1 MiB (the compaction copy buffer).
     */
    public static final int MAX_METADATA_BYTES = 512 << 10;
    /**
     * The source offset of a placeholder: a STORE that only migration writes, for an id whose
     * committed vector format 1 lost in a crash. The id exists (an update or delete of it
     * applies) but its vector is never served; any mutation of it replaces the placeholder.
     */
    public static final long PLACEHOLDER_OFFSET = -1;

    private final int dimension;
    private final int maxIdBytes;
    private final long logId;

    public ShardFormat(int dimension, int maxIdBytes, long logId) {
        this.dimension = dimension;
        this.maxIdBytes = maxIdBytes;
        this.logId = logId;
    }

    public int dimension() {
        return dimension;
    }

    public int maxIdBytes() {
        return maxIdBytes;
    }

    public long logId() {
        return logId;
    }

    public ShardFormat withLogId(long id) {
        return new ShardFormat(dimension, maxIdBytes, id);
    }

    /** The whole length of a record with this payload and id. */
    public static int recordLength(int payloadLength, int idLength) {
        return (int) alignUp(RECORD_HEADER + payloadLength + idLength, RECORD_ALIGNMENT);
    }

    /** The whole length of a record with this payload, id and metadata (null: none; same bytes as without). */
    public static int recordLength(int payloadLength, int idLength, byte[] metadata) {
        return metadata == null ? recordLength(payloadLength, idLength) : recordLength(payloadLength, idLength, metadata.length);
    }

    /** The whole length of a record carrying {@code metadataLength} bytes of metadata. */
    public static int recordLength(int payloadLength, int idLength, int metadataLength) {
        return (int) alignUp(RECORD_HEADER + payloadLength + idLength + Integer.BYTES + (long) metadataLength, RECORD_ALIGNMENT);
    }

    /** Largest record this file can hold: a STORE with the longest id and the largest metadata. */
    public int maxRecordLength() {
        return recordLength(dimension * Float.BYTES, maxIdBytes, MAX_METADATA_BYTES);
    }

    /** Largest record without metadata: what buffers start at (they grow for metadata). */
    public int maxPlainRecordLength() {
        return recordLength(dimension * Float.BYTES, maxIdBytes);
    }

    /**
     * The bytes after the header that the checksum covers (payload, id, and the metadata length
     * and document when flags bit 0 is set), or -1 when the fields claim more than the
     * {@code length} bytes of {@code record} (little-endian view of a whole record) hold.
     */
    public static int checkedBodyLength(ByteBuffer record, int length) {
        long payload = record.getInt(16);
        long idLength = Short.toUnsignedInt(record.getShort(6));
        long body = payload + idLength;
        if (payload < 0 || RECORD_HEADER + body > length) {
            return -1;
        }
        if ((record.get(5) & FLAG_METADATA) == 0) {
            return (int) body;
        }
        if (RECORD_HEADER + body + Integer.BYTES > length) {
            return -1;
        }
        long metadata = record.getInt(RECORD_HEADER + (int) body);
        if (metadata < 0 || metadata > MAX_METADATA_BYTES || RECORD_HEADER + body + Integer.BYTES + metadata > length) {
            return -1;
        }
        return (int) (body + Integer.BYTES + metadata);
    }

    /**
     * The metadata of a whole, checked record ({@link #recordProblem} passed, or written by this
     * process), or null when it carries none.
     */
    public static byte[] metadataOf(byte[] record, int length) {
        ByteBuffer view = ByteBuffer.wrap(record, 0, length).order(ByteOrder.LITTLE_ENDIAN);
        int body = checkedBodyLength(view, length);
        if ((view.get(5) & FLAG_METADATA) == 0 || body < 0) {
            return null;
        }
        int at = RECORD_HEADER + view.getInt(16) + Short.toUnsignedInt(view.getShort(6));
        int metadataLength = view.getInt(at);
        byte[] metadata = new byte[metadataLength];
        System.arraycopy(record, at + Integer.BYTES, metadata, 0, metadataLength);
        return metadata;
    }

    /**
     * Where the metadata document of a whole, checked record starts in {@code record} (its length
     * is the little-endian int just before it), or -1 when the record carries none: lets a reader
     * look at the metadata in place, without copying it.
     */
    public static int metadataStart(byte[] record, int length) {
        ByteBuffer view = ByteBuffer.wrap(record, 0, length).order(ByteOrder.LITTLE_ENDIAN);
        if ((view.get(5) & FLAG_METADATA) == 0 || checkedBodyLength(view, length) < 0) {
            return -1;
        }
        return RECORD_HEADER + view.getInt(16) + Short.toUnsignedInt(view.getShort(6)) + Integer.BYTES;
    }

    /**
     * Encodes a record without metadata into {@code out} (cleared first, little-endian, at least
     * {@link #recordLength} bytes); returns its length. {@code vector} is null for a DELETE.
     */
    public static int encodeRecord(ByteBuffer out, byte type, long sourceOffset, float[] vector, byte[] id, CRC32C crc) {
        return encodeRecord(out, type, sourceOffset, vector, id, null, crc);
    }

    /**
     * Encodes a record into {@code out} (cleared first, little-endian, at least
     * {@link #recordLength(int, int, byte[])} bytes); returns its length. {@code vector} is null
     * for a DELETE, {@code metadata} null for none (then the bytes are those of a record without).
     */
    public static int encodeRecord(ByteBuffer out, byte type, long sourceOffset, float[] vector, byte[] id, byte[] metadata,
                                   CRC32C crc) {
        return encode(out, type, sourceOffset, vector, null, id, metadata, crc);
    }

    /**
     * Encodes a record whose vector is given as little-endian float32 bytes: the bytes from index
     * 0 to the capacity of {@code vector} (a slice, as {@code Mutation} keeps it; read with
     * absolute reads, its position untouched), copied in one bulk copy and checksummed in the
     * log buffer. The result is byte for byte the record of the same vector as a float[].
     */
    public static int encodeRecord(ByteBuffer out, byte type, long sourceOffset, ByteBuffer vector, byte[] id, byte[] metadata,
                                   CRC32C crc) {
        return encode(out, type, sourceOffset, null, vector, id, metadata, crc);
    }

    private static int encode(ByteBuffer out, byte type, long sourceOffset, float[] vector, ByteBuffer vectorBytes, byte[] id,
                              byte[] metadata, CRC32C crc) {
        int payload = vector != null ? vector.length * Float.BYTES : vectorBytes != null ? vectorBytes.capacity() : 0;
        int length = recordLength(payload, id.length, metadata);
        int body = payload + id.length + (metadata == null ? 0 : Integer.BYTES + metadata.length);
        out.clear();
        out.putInt(length).put(type).put(metadata == null ? 0 : FLAG_METADATA).putShort((short) id.length).putLong(sourceOffset)
                .putInt(payload).putInt(0);
        if (vector != null) {
            out.asFloatBuffer().put(vector);
            out.position(RECORD_HEADER + payload);
        } else if (vectorBytes != null) {
            out.put(RECORD_HEADER, vectorBytes, 0, payload); // the one copy of a byte-level vector
            out.position(RECORD_HEADER + payload);
        }
        out.put(id);
        if (metadata != null) {
            out.putInt(metadata.length).put(metadata);
        }
        while (out.position() < length) {
            out.put((byte) 0);
        }
        crc.reset();
        crc.update(out.duplicate().position(0).limit(20));
        crc.update(out.duplicate().position(RECORD_HEADER).limit(RECORD_HEADER + body));
        out.putInt(20, (int) crc.getValue());
        out.flip();
        return length;
    }

    /**
     * Why a whole record, read into {@code record} ({@code view} over it, little-endian), of
     * {@code length} bytes is not a valid record of this file, or null: type, flags, payload and
     * id lengths, total length, checksum. One check for recovery and {@code verify}.
     */
    public String recordProblem(byte[] record, ByteBuffer view, int length, CRC32C crc) {
        byte type = view.get(4);
        byte flags = view.get(5);
        if (type != ShardFormat.TYPE_STORE && type != ShardFormat.TYPE_DELETE) {
            return "unknown type " + type + " (1 STORE, 2 DELETE)";
        }
        if ((flags & ~FLAG_METADATA) != 0) {
            return "flags " + flags + " (this release writes 0, or 1 for metadata)";
        }
        if (flags != 0 && type != ShardFormat.TYPE_STORE) {
            return "a DELETE with the metadata flag (a tombstone carries none)";
        }
        int idLength = Short.toUnsignedInt(view.getShort(6));
        int payload = view.getInt(16);
        int expectedPayload = type == ShardFormat.TYPE_STORE ? dimension * Float.BYTES : 0;
        if (payload != expectedPayload) {
            return "payload length " + payload + ", a " + (type == ShardFormat.TYPE_STORE ? "STORE" : "DELETE") + " of dimension "
                    + dimension + " has " + expectedPayload;
        }
        if (idLength < 1 || idLength > maxIdBytes) {
            return "id length " + idLength + " is out of range 1.." + maxIdBytes;
        }
        int body = checkedBodyLength(view, length);
        if (body < 0 && flags != 0) {
            return "metadata length " + (RECORD_HEADER + payload + idLength + Integer.BYTES <= length ? view.getInt(RECORD_HEADER
                    + payload + idLength) : "(cut off)") + " runs past the record's " + length + " bytes or exceeds " + MAX_METADATA_BYTES;
        }
        int expectedLength = flags == 0 ? ShardFormat.recordLength(payload, idLength)
                : ShardFormat.recordLength(payload, idLength, body - payload - idLength - Integer.BYTES);
        if (expectedLength != length) {
            return "length " + length + " does not match its payload (" + payload + " bytes), id (" + idLength
                    + " bytes) and metadata, which need " + expectedLength;
        }
        crc.reset();
        crc.update(record, 0, 20);
        crc.update(record, ShardFormat.RECORD_HEADER, body);
        int stored = view.getInt(20);
        if (stored != (int) crc.getValue()) {
            return String.format("checksum mismatch (stored %08x, computed %08x)", stored, (int) crc.getValue());
        }
        return null;
    }

    /** Encodes the header page's static part (64 bytes). */
    public byte[] encodeStaticHeader() {
        ByteBuffer b = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(0, Integer.reverseBytes(MAGIC)); // "JVDB" in file order
        b.putShort(4, VERSION);
        b.putInt(8, dimension);
        b.putInt(12, maxIdBytes);
        b.putLong(16, logId);
        b.putInt(HEADER_CRC_OFFSET, crc(b.array(), 0, HEADER_CRC_OFFSET));
        return b.array();
    }

    /** The format version of a header page (1 or 2), after checking the magic. */
    public static int version(Path file, byte[] page) throws CorruptShardException {
        if (page.length < 64) {
            throw new CorruptShardException("shard " + file + ": too short for a header (" + page.length
                    + " bytes); delete it and replay the source");
        }
        ByteBuffer b = ByteBuffer.wrap(page).order(ByteOrder.LITTLE_ENDIAN);
        if (Integer.reverseBytes(b.getInt(0)) != MAGIC) {
            throw new CorruptShardException("shard " + file + ": not a JVDB shard file (bad magic); move it out of the database directory");
        }
        return Short.toUnsignedInt(b.getShort(4));
    }

    /** Decodes and validates a version 2 static header. */
    public static ShardFormat decode(Path file, byte[] page) throws CorruptShardException {
        int version = version(file, page);
        if (version != VERSION) {
            throw new CorruptShardException("shard " + file + ": format version " + version + ", expected " + VERSION
                    + (version == 1 ? "; open it with the sink or run `jvdb migrate` to upgrade it" : "; use a newer release"));
        }
        ByteBuffer b = ByteBuffer.wrap(page).order(ByteOrder.LITTLE_ENDIAN);
        int stored = b.getInt(HEADER_CRC_OFFSET);
        int computed = crc(page, 0, HEADER_CRC_OFFSET);
        if (stored != computed) {
            throw new CorruptShardException(String.format("shard %s: static header checksum mismatch (stored %08x, computed %08x); "
                    + "restore the file from a backup or delete it and replay the source", file, stored, computed));
        }
        int dimension = b.getInt(8);
        int maxIdBytes = b.getInt(12);
        if (dimension < Database.MIN_DIMENSION || dimension > Database.MAX_DIMENSION || maxIdBytes < 1
                || maxIdBytes > StoreOptions.MAX_ID_BYTES_LIMIT) {
            throw new CorruptShardException("shard " + file + ": inconsistent static header (dimension " + dimension
                    + ", max id bytes " + maxIdBytes + "); restore the file from a backup or delete it and replay the source");
        }
        return new ShardFormat(dimension, maxIdBytes, b.getLong(16));
    }

    /** CRC32C of {@code length} bytes from {@code offset}: every checksum of the file. */
    public static int crc(byte[] bytes, int offset, int length) {
        CRC32C crc = new CRC32C();
        crc.update(bytes, offset, length);
        return (int) crc.getValue();
    }

    /** {@code value} rounded up to a multiple of {@code alignment}; file positions are longs (files exceed 2 GiB). */
    public static long alignUp(long value, long alignment) {
        return (value + alignment - 1) / alignment * alignment;
    }

    /** UTF-8 encoding of an id; ids are compared byte for byte. */
    public static byte[] idBytes(String id) {
        return id.getBytes(StandardCharsets.UTF_8);
    }
}
