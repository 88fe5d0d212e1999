package io.jadevectordb.engine.v1;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.zip.CRC32C;

import io.jadevectordb.engine.CorruptShardException;
import io.jadevectordb.engine.Database;
import io.jadevectordb.engine.StoreOptions;
import io.jadevectordb.engine.format.Checkpoint;

/**
 * The header page of a format 1 shard file, decoded and checked against the file's length:
 * the static header (written once, when the file was created) and the newest valid copy of the
 * checkpoint pair. {@code docs/format.md} has the full layout; in short (little-endian, CRC32C):
 *
 * <pre>
 * 0     64   static header: magic "JVDB", version 1 (u16), reserved, dimension, max id bytes,
 *            slot size, index capacity (u32 each), index offset 4096, data offset (u64 each),
 *            reserved, CRC32C of bytes 0..59 at 60
 * 512   64   checkpoint copy A (odd generations)
 * 1024  64   checkpoint copy B (even generations)
 * 4096       hash index: capacity entries of 32 bytes
 * dataOffset data slots of slotSize bytes: float32[dimension], u16 id length, id bytes, padding
 * </pre>
 *
 * @param dimension     vector dimension
 * @param maxIdBytes    longest id the file accepted
 * @param slotSize      bytes of one data slot
 * @param indexCapacity entries of the hash index (a power of two)
 * @param dataOffset    file position of data slot 0
 * @param checkpoint    the newest valid checkpoint
 */
public record FormatOneHeader(int dimension, int maxIdBytes, int slotSize, int indexCapacity, long dataOffset,
                              Checkpoint checkpoint) {

    /** The format version this reads. */
    public static final int VERSION = 1;
    /** Bytes of the header page; the hash index starts here. */
    public static final int PAGE_SIZE = 4096;
    static final int STATIC_HEADER_SIZE = 64;
    static final int CHECKPOINT_A_OFFSET = 512;
    static final int CHECKPOINT_B_OFFSET = 1024;
    static final int ENTRY_SIZE = 32;
    private static final int SLOT_ALIGNMENT = 64;
    private static final int MIN_INDEX_CAPACITY = 64;

    /**
     * One copy of the checkpoint pair: what the durable contents of the file reflect.
     *
     * @param generation     increases by one with every checkpoint written; the first is 1
     * @param sourceOffset   offset of the last source mutation the durable contents include, or -1
     * @param slotCount      data slots in use when it was written; slots at or beyond it hold nothing trustworthy
     * @param liveCount      live ids
     * @param deletedCount   soft-deleted ids
     * @param clean          written by a clean close: nothing was written after it
     * @param entryHighWater highest source offset recorded in any entry
     */
    public record Checkpoint(long generation, long sourceOffset, long slotCount, long liveCount, long deletedCount,
                             boolean clean, long entryHighWater) {
    }

    /**
     * Decodes the header page of a format 1 file.
     *
     * @param name       {@code database/file}, for messages
     * @param file       the shard file, for messages
     * @param page       the file's first bytes (up to {@link #PAGE_SIZE})
     * @param fileLength the file's length, which every region the header claims must fit in
     * @throws CorruptShardException when the header or both checkpoint copies are invalid, or the file is shorter than they claim
     */
    public static FormatOneHeader decode(String name, Path file, byte[] page, long fileLength) throws CorruptShardException {
        if (page.length < PAGE_SIZE || fileLength < PAGE_SIZE) {
            throw new CorruptShardException("shard " + file + ": truncated header (" + fileLength
                    + " bytes, a JVDB file has at least " + PAGE_SIZE + "); restore the file from a backup or delete it and replay the source");
        }
        if (page[0] != 'J' || page[1] != 'V' || page[2] != 'D' || page[3] != 'B') {
            throw new CorruptShardException(String.format("shard %s: not a JVDB file (magic %02x%02x%02x%02x, expected 4a564442 \"JVDB\")",
                    file, page[0], page[1], page[2], page[3]));
        }
        ByteBuffer b = ByteBuffer.wrap(page).order(ByteOrder.LITTLE_ENDIAN);
        short version = b.getShort(4);
        if (version != VERSION) {
            throw new CorruptShardException("shard " + file + ": format version " + version + " is not format 1");
        }
        int storedCrc = b.getInt(60);
        int actualCrc = crc(page, 0, 60);
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
        if (dimension < Database.MIN_DIMENSION || dimension > Database.MAX_DIMENSION || maxIdBytes < 1
                || maxIdBytes > StoreOptions.MAX_ID_BYTES_LIMIT || Integer.bitCount(capacity) != 1 || capacity < MIN_INDEX_CAPACITY
                || indexOffset != PAGE_SIZE) {
            throw new CorruptShardException("shard " + file + ": inconsistent static header (dimension " + dimension
                    + ", max id bytes " + maxIdBytes + ", index capacity " + capacity + ", index offset " + indexOffset + ")");
        }
        long expectedSlotSize = alignUp((long) dimension * Float.BYTES + 2 + maxIdBytes, SLOT_ALIGNMENT);
        long expectedDataOffset = alignUp(PAGE_SIZE + (long) capacity * ENTRY_SIZE, PAGE_SIZE);
        if (expectedSlotSize != slotSize || expectedDataOffset != dataOffset) {
            throw new CorruptShardException("shard " + file + ": inconsistent static header (slot size " + slotSize
                    + ", data offset " + dataOffset + "; expected " + expectedSlotSize + ", " + expectedDataOffset + ")");
        }
        if (fileLength < dataOffset) {
            throw new CorruptShardException("shard " + file + ": truncated (" + fileLength + " bytes, index ends at "
                    + dataOffset + "); restore the file from a backup or delete it and replay the source");
        }
        return new FormatOneHeader(dimension, maxIdBytes, slotSize, capacity, dataOffset, newestCheckpoint(name, page));
    }

    /** File position of data slot {@code slot}. */
    long slotPosition(long slot) {
        return dataOffset + slot * slotSize;
    }

    /** Slots that fit between the data offset and the end of a file of {@code fileLength} bytes. */
    long slotsIn(long fileLength) {
        return (fileLength - dataOffset) / slotSize;
    }

    private static Checkpoint newestCheckpoint(String name, byte[] page) throws CorruptShardException {
        Checkpoint a = checkpoint(page, CHECKPOINT_A_OFFSET);
        Checkpoint b = checkpoint(page, CHECKPOINT_B_OFFSET);
        if (a == null && b == null) {
            throw new CorruptShardException("shard " + name + ": both checkpoints (A at 512, B at 1024) are invalid; "
                    + "the header page is damaged: restore the file from a backup or delete it and replay the source");
        }
        if (a == null || b == null) {
            return a == null ? b : a;
        }
        return a.generation() > b.generation() ? a : b;
    }

    /** The copy at {@code at}, or null when it is not valid (checksum, never written, wrong parity, negative counts). */
    private static Checkpoint checkpoint(byte[] page, int at) {
        ByteBuffer b = ByteBuffer.wrap(page, at, STATIC_HEADER_SIZE).slice().order(ByteOrder.LITTLE_ENDIAN);
        long generation = b.getLong(0);
        if (generation < 1 || b.getInt(60) != crc(page, at, 60)
                || ((generation & 1) == 1 ? CHECKPOINT_A_OFFSET : CHECKPOINT_B_OFFSET) != at) {
            return null;
        }
        Checkpoint c = new Checkpoint(generation, b.getLong(8), b.getLong(16), b.getLong(24), b.getLong(32), (b.getInt(40) & 1) != 0,
                b.getLong(44));
        if (c.sourceOffset() < -1 || c.slotCount() < 0 || c.liveCount() < 0 || c.deletedCount() < 0) {
            return null;
        }
        return c;
    }

    static int crc(byte[] bytes, int offset, int length) {
        CRC32C crc = new CRC32C();
        crc.update(bytes, offset, length);
        return (int) crc.getValue();
    }

    private static long alignUp(long value, long alignment) {
        return (value + alignment - 1) / alignment * alignment;
    }
}
