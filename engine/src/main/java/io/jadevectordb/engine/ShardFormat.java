package io.jadevectordb.engine;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;

/**
 * The JVDB shard file format, version 1. This javadoc is the summary; {@code docs/format.md}
 * is the full specification. Every multi-byte integer is little-endian; checksums are CRC32C.
 *
 * <pre>
 * offset            size            content
 * 0                 4096            header page
 *   0                 64              static header (written once, when the file is created)
 *     0   4  magic "JVDB" (bytes 0x4A 0x56 0x44 0x42)
 *     4   2  format version (1)
 *     6   2  reserved (0)
 *     8   4  dimension (1..65536)
 *     12  4  max id bytes (1..4096)
 *     16  4  slot size in bytes (multiple of 64)
 *     20  4  index capacity in entries (power of two)
 *     24  8  index offset (4096)
 *     32  8  data offset (multiple of 4096)
 *     40  20 reserved (0)
 *     60  4  CRC32C of bytes 0..59
 *   512               64              checkpoint A (odd generations)
 *   1024              64              checkpoint B (even generations)   see {@link Checkpoint}
 * 4096              capacity * 32   hash index, see {@link ShardIndex}
 * dataOffset        n * slotSize    data slots: float32[dimension], u16 id length, id bytes, zero padding
 * </pre>
 *
 * <p>The three regions never share a 512-byte sector, and every index entry lies inside one
 * sector, so a torn write can damage at most the sectors that were being written.
 */
public final class ShardFormat {

    /** Magic bytes at offset 0: ASCII "JVDB". */
    public static final int MAGIC = 0x4A564442;
    public static final short VERSION = 1;

    public static final int PAGE_SIZE = 4096;
    public static final int STATIC_HEADER_SIZE = 64;
    public static final int CHECKPOINT_A_OFFSET = 512;
    public static final int CHECKPOINT_B_OFFSET = 1024;
    public static final long INDEX_OFFSET = PAGE_SIZE;
    public static final int SLOT_ALIGNMENT = 64;
    public static final int MIN_INDEX_CAPACITY = 64;
    /** The index grows (into a new file) when occupied entries would exceed this share of capacity. */
    public static final double MAX_LOAD = 0.75;

    public static final int MIN_DIMENSION = Database.MIN_DIMENSION;
    public static final int MAX_DIMENSION = Database.MAX_DIMENSION;

    private final int dimension;
    private final int maxIdBytes;
    private final int slotSize;
    private final int indexCapacity;
    private final long dataOffset;

    private ShardFormat(int dimension, int maxIdBytes, int slotSize, int indexCapacity, long dataOffset) {
        this.dimension = dimension;
        this.maxIdBytes = maxIdBytes;
        this.slotSize = slotSize;
        this.indexCapacity = indexCapacity;
        this.dataOffset = dataOffset;
    }

    /** The layout of a new file for the given shape. */
    static ShardFormat of(int dimension, int maxIdBytes, int indexCapacity) {
        if (Integer.bitCount(indexCapacity) != 1 || indexCapacity < MIN_INDEX_CAPACITY) {
            throw new IllegalArgumentException("index capacity must be a power of two >= " + MIN_INDEX_CAPACITY);
        }
        int slotSize = slotSize(dimension, maxIdBytes);
        long dataOffset = alignUp(INDEX_OFFSET + (long) indexCapacity * ShardIndex.ENTRY_SIZE, (long) PAGE_SIZE);
        return new ShardFormat(dimension, maxIdBytes, slotSize, indexCapacity, dataOffset);
    }

    /** Smallest power-of-two index capacity that holds {@code vectors} (plus one) under the load limit. */
    static int capacityFor(long vectors) {
        int capacity = MIN_INDEX_CAPACITY;
        while (vectors + 1 > (long) (capacity * MAX_LOAD) && capacity < (1 << 30)) {
            capacity *= 2;
        }
        return capacity;
    }

    /** The same shape with a larger index. */
    ShardFormat withIndexCapacity(int capacity) {
        return of(dimension, maxIdBytes, capacity);
    }

    /** Bytes of one data slot: vector, id length and id, aligned to 64 (at most about 260 KiB). */
    static int slotSize(int dimension, int maxIdBytes) {
        return Math.toIntExact(alignUp((long) dimension * Float.BYTES + 2 + maxIdBytes, (long) SLOT_ALIGNMENT));
    }

    /** {@code value} rounded up to a multiple of {@code alignment}; file positions are longs (files exceed 2 GiB). */
    static long alignUp(long value, long alignment) {
        return io.jadevectordb.engine.format.ShardFormat.alignUp(value, alignment); // CHECKSTYLE:FQN format 1 and format 2 share this name
    }

    /** Encodes the 64-byte static header. */
    public byte[] encodeStaticHeader() {
        ByteBuffer b = ByteBuffer.allocate(STATIC_HEADER_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        b.put(0, (byte) 'J').put(1, (byte) 'V').put(2, (byte) 'D').put(3, (byte) 'B');
        b.putShort(4, VERSION);
        b.putInt(8, dimension);
        b.putInt(12, maxIdBytes);
        b.putInt(16, slotSize);
        b.putInt(20, indexCapacity);
        b.putLong(24, INDEX_OFFSET);
        b.putLong(32, dataOffset);
        b.putInt(60, crc(b.array(), 0, 60));
        return b.array();
    }

    /**
     * Decodes and validates a static header.
     *
     * @param file       named in error messages
     * @param header     at least the first 64 bytes of the file
     * @param fileLength the file's length, checked against the layout
     */
    public static ShardFormat decode(Path file, byte[] header, long fileLength) throws CorruptShardException {
        if (header.length < STATIC_HEADER_SIZE || fileLength < PAGE_SIZE) {
            throw new CorruptShardException("shard " + file + ": truncated header (" + fileLength
                    + " bytes, a JVDB file has at least " + PAGE_SIZE + "); restore the file from a backup or delete it and replay the source");
        }
        if (header[0] != 'J' || header[1] != 'V' || header[2] != 'D' || header[3] != 'B') {
            throw new CorruptShardException(String.format("shard %s: not a JVDB file (magic %02x%02x%02x%02x, expected 4a564442 \"JVDB\")",
                    file, header[0], header[1], header[2], header[3]));
        }
        ByteBuffer b = ByteBuffer.wrap(header).order(ByteOrder.LITTLE_ENDIAN);
        short version = b.getShort(4);
        if (version != VERSION) {
            throw new CorruptShardException("shard " + file + ": unknown format version " + version
                    + " (this build reads version " + VERSION + "); open it with a matching JadeVectorDB version");
        }
        int storedCrc = b.getInt(60);
        int actualCrc = crc(header, 0, 60);
        if (storedCrc != actualCrc) {
            throw new CorruptShardException(String.format("shard %s: static header checksum mismatch (stored %08x, computed %08x); "
                    + "the file is damaged: restore it from a backup or delete it and replay the source", file, storedCrc, actualCrc));
        }
        int dimension = b.getInt(8);
        int maxIdBytes = b.getInt(12);
        int slotSize = b.getInt(16);
        int capacity = b.getInt(20);
        long indexOffset = b.getLong(24);
        long dataOffset = b.getLong(32);
        if (dimension < MIN_DIMENSION || dimension > MAX_DIMENSION || maxIdBytes < 1 || maxIdBytes > StoreOptions.MAX_ID_BYTES_LIMIT
                || Integer.bitCount(capacity) != 1 || capacity < MIN_INDEX_CAPACITY || indexOffset != INDEX_OFFSET) {
            throw new CorruptShardException("shard " + file + ": inconsistent static header (dimension " + dimension
                    + ", max id bytes " + maxIdBytes + ", index capacity " + capacity + ", index offset " + indexOffset + ")");
        }
        ShardFormat expected = of(dimension, maxIdBytes, capacity);
        if (expected.slotSize != slotSize || expected.dataOffset != dataOffset) {
            throw new CorruptShardException("shard " + file + ": inconsistent static header (slot size " + slotSize
                    + ", data offset " + dataOffset + "; expected " + expected.slotSize + ", " + expected.dataOffset + ")");
        }
        if (fileLength < dataOffset) {
            throw new CorruptShardException("shard " + file + ": truncated (" + fileLength + " bytes, index ends at "
                    + dataOffset + "); restore the file from a backup or delete it and replay the source");
        }
        return expected;
    }

    public static int crc(byte[] bytes, int offset, int length) {
        return io.jadevectordb.engine.format.ShardFormat.crc(bytes, offset, length); // CHECKSTYLE:FQN format 1 and format 2 share this name
    }

    public int dimension() {
        return dimension;
    }

    public int maxIdBytes() {
        return maxIdBytes;
    }

    public int slotSize() {
        return slotSize;
    }

    public int indexCapacity() {
        return indexCapacity;
    }

    public long dataOffset() {
        return dataOffset;
    }

    /** File position of data slot {@code slot}. */
    long slotPosition(long slot) {
        return dataOffset + slot * slotSize;
    }

    /** Position of the id-length field inside a slot. */
    long idPosition(long slot) {
        return slotPosition(slot) + (long) dimension * Float.BYTES;
    }

    /** Bytes of a slot covered by the payload checksum: vector, id length, id. */
    long payloadLength(int idLength) {
        return (long) dimension * Float.BYTES + 2 + idLength;
    }

    /** How many slots fit in a file of the given length. */
    long slotCapacity(long fileLength) {
        return Math.max(0, (fileLength - dataOffset) / slotSize);
    }

    /** UTF-8 encoding of an id; ids are compared byte for byte. */
    public static byte[] idBytes(String id) {
        return io.jadevectordb.engine.format.ShardFormat.idBytes(id); // CHECKSTYLE:FQN format 1 and format 2 share this name
    }
}
