package io.jadevectordb.engine;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * One copy of the checkpoint pair in a shard's header page: what the durable contents of the
 * file reflect.
 *
 * <p>Layout (64 bytes, little-endian): generation i64 at 0, source offset i64 at 8 (-1 when
 * nothing is checkpointed), slot count i64 at 16 (the data high-water mark), live count i64
 * at 24, deleted count i64 at 32, flags i32 at 40 (bit 0: clean shutdown), entry high-water
 * mark i64 at 44 (the highest source offset recorded in any entry), reserved to 60, CRC32C of
 * bytes 0..59 at 60.
 *
 * <p>Odd generations go to copy A (offset 512), even ones to copy B (offset 1024), so writing
 * a new checkpoint never overwrites the newest valid one: a torn write leaves the previous
 * generation readable. On open the valid copy with the highest generation wins.
 *
 * @param generation   increases by one with every checkpoint written; the first is 1
 * @param sourceOffset offset of the last source mutation the durable contents include, or -1
 * @param slotCount    data slots in use; slots at or beyond it hold nothing trustworthy
 * @param liveCount    live ids
 * @param deletedCount soft-deleted ids
 * @param clean        true when written by a clean close: the file needs no recovery scan
 * @param entryHighWater highest source offset recorded in any entry; it may exceed
 *                     {@code sourceOffset} after a crash (entries that survived without
 *                     everything below them), so it is never a resume point: it only keeps the
 *                     direct API's own offsets increasing
 */
public record Checkpoint(long generation, long sourceOffset, long slotCount, long liveCount, long deletedCount,
                         boolean clean, long entryHighWater) {

    public static final int SIZE = 64;
    private static final int FLAG_CLEAN = 1;

    /** The first checkpoint of a new file: empty, hence clean (opening it needs no recovery). */
    static Checkpoint initial() {
        return new Checkpoint(1, -1, 0, 0, 0, true, -1);
    }

    /** The next generation with new contents. */
    Checkpoint next(long sourceOffset, long slotCount, long liveCount, long deletedCount, boolean clean, long entryHighWater) {
        return new Checkpoint(generation + 1, sourceOffset, slotCount, liveCount, deletedCount, clean,
                Math.max(entryHighWater, sourceOffset));
    }

    /** Header-page offset this generation is written to. */
    public int headerOffset() {
        return (generation & 1) == 1 ? ShardFormat.CHECKPOINT_A_OFFSET : ShardFormat.CHECKPOINT_B_OFFSET;
    }

    public byte[] encode() {
        ByteBuffer b = ByteBuffer.allocate(SIZE).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(0, generation);
        b.putLong(8, sourceOffset);
        b.putLong(16, slotCount);
        b.putLong(24, liveCount);
        b.putLong(32, deletedCount);
        b.putInt(40, clean ? FLAG_CLEAN : 0);
        b.putLong(44, entryHighWater);
        b.putInt(60, ShardFormat.crc(b.array(), 0, 60));
        return b.array();
    }

    /**
     * Decodes the copy at {@code copyOffset} of a header page, or returns null when that copy is
     * not valid (checksum mismatch, never written, or a generation of the wrong parity).
     */
    static Checkpoint decode(byte[] headerPage, int copyOffset) {
        ByteBuffer b = ByteBuffer.wrap(headerPage, copyOffset, SIZE).slice().order(ByteOrder.LITTLE_ENDIAN);
        long generation = b.getLong(0);
        if (generation < 1 || b.getInt(60) != ShardFormat.crc(headerPage, copyOffset, 60)) {
            return null;
        }
        Checkpoint c = new Checkpoint(generation, b.getLong(8), b.getLong(16), b.getLong(24), b.getLong(32),
                (b.getInt(40) & FLAG_CLEAN) != 0, b.getLong(44));
        if (c.headerOffset() != copyOffset || c.sourceOffset < -1 || c.slotCount < 0 || c.liveCount < 0 || c.deletedCount < 0) {
            return null;
        }
        return c;
    }

    /**
     * The newest valid checkpoint of a header page.
     *
     * @throws CorruptShardException when neither copy is valid
     */
    public static Checkpoint newest(String shardName, byte[] headerPage) throws CorruptShardException {
        Checkpoint a = decode(headerPage, ShardFormat.CHECKPOINT_A_OFFSET);
        Checkpoint b = decode(headerPage, ShardFormat.CHECKPOINT_B_OFFSET);
        if (a == null && b == null) {
            throw new CorruptShardException("shard " + shardName + ": both checkpoints (A at 512, B at 1024) are invalid; "
                    + "the header page is damaged: restore the file from a backup or delete it and replay the source");
        }
        if (a == null) {
            return b;
        }
        if (b == null) {
            return a;
        }
        return a.generation > b.generation ? a : b;
    }
}
