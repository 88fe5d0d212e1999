package io.jadevectordb.engine;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * One copy of a version 2 shard's checkpoint: what a completed commit made durable. Two copies
 * alternate (A at 512 for odd generations, B at 1024 for even ones), so a torn write of the
 * newest leaves the previous one valid.
 *
 * <pre>
 * offset size field
 *   0     8  generation (>= 1; its parity names its copy)
 *   8     8  sourceOffset: the last source mutation the commit covers; -1 for none
 *  16     8  logEnd: the end of the committed log; records at or beyond it belong to no commit
 *  24     8  liveCount
 *  32     8  deletedCount
 *  40     4  flags: bit 0 clean close, bit 1 released (its writer gave the shard up: partition revoked or task stopped)
 *  44     8  entryHighWater: highest source offset in any committed record (>= sourceOffset)
 *  52     8  garbageBytes: committed bytes of superseded records (what compaction would reclaim)
 *  60     4  CRC32C of bytes 0..59
 * </pre>
 *
 * <p>Public so that tools ({@link ShardVerifier}, {@link ShardReport}) can show it; only the
 * engine writes one.
 *
 * @param generation     commit number; odd generations live in copy A, even ones in copy B
 * @param sourceOffset   last source mutation the commit covers, -1 for none
 * @param logEnd         end of the committed log: nothing at or past it is trusted
 * @param liveCount      live ids as of the commit
 * @param deletedCount   deleted ids (tombstones) as of the commit
 * @param clean          true when the writer closed the file cleanly
 * @param entryHighWater highest source offset of any committed record
 * @param garbageBytes   committed bytes of superseded records
 * @param released       true when the writer closed the file because it no longer writes its
 *                       partition (revoked in a rebalance, or the task stopped): nobody keeps it
 *                       current, and readers say so. A writer's next open clears it
 */
public record LogCheckpoint(long generation, long sourceOffset, long logEnd, long liveCount, long deletedCount, boolean clean,
                     long entryHighWater, long garbageBytes, boolean released) {

    static final int SIZE = 64;
    private static final int FLAG_CLEAN = 1;
    private static final int FLAG_RELEASED = 2;

    /** The first checkpoint of a new file: empty and clean. */
    static LogCheckpoint initial() {
        return new LogCheckpoint(1, -1, LogFormat.FIRST_RECORD, 0, 0, true, -1, 0, false);
    }

    /** The next generation with new contents. */
    LogCheckpoint next(long sourceOffset, long logEnd, long liveCount, long deletedCount, boolean clean, long entryHighWater,
                       long garbageBytes, boolean released) {
        return new LogCheckpoint(generation + 1, sourceOffset, logEnd, liveCount, deletedCount, clean,
                Math.max(entryHighWater, sourceOffset), garbageBytes, released);
    }

    /** Header-page offset this generation is written to. */
    int headerOffset() {
        return (generation & 1) == 1 ? LogFormat.CHECKPOINT_A_OFFSET : LogFormat.CHECKPOINT_B_OFFSET;
    }

    byte[] encode() {
        ByteBuffer b = ByteBuffer.allocate(SIZE).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(0, generation);
        b.putLong(8, sourceOffset);
        b.putLong(16, logEnd);
        b.putLong(24, liveCount);
        b.putLong(32, deletedCount);
        b.putInt(40, (clean ? FLAG_CLEAN : 0) | (released ? FLAG_RELEASED : 0));
        b.putLong(44, entryHighWater);
        b.putLong(52, garbageBytes);
        b.putInt(60, LogFormat.crc(b.array(), 0, 60));
        return b.array();
    }

    /** The copy at {@code copyOffset} of a header page, or null when that copy is not valid. */
    static LogCheckpoint decode(byte[] headerPage, int copyOffset) {
        ByteBuffer b = ByteBuffer.wrap(headerPage, copyOffset, SIZE).slice().order(ByteOrder.LITTLE_ENDIAN);
        long generation = b.getLong(0);
        if (generation < 1 || b.getInt(60) != LogFormat.crc(headerPage, copyOffset, 60)) {
            return null;
        }
        LogCheckpoint c = new LogCheckpoint(generation, b.getLong(8), b.getLong(16), b.getLong(24), b.getLong(32),
                (b.getInt(40) & FLAG_CLEAN) != 0, b.getLong(44), b.getLong(52), (b.getInt(40) & FLAG_RELEASED) != 0);
        if (c.headerOffset() != copyOffset || c.sourceOffset < -1 || c.logEnd < LogFormat.FIRST_RECORD || c.logEnd % 8 != 0
                || c.liveCount < 0 || c.deletedCount < 0 || c.garbageBytes < 0) {
            return null;
        }
        return c;
    }

    /**
     * The newest valid checkpoint of a header page.
     *
     * @throws CorruptShardException when neither copy is valid
     */
    static LogCheckpoint newest(String shardName, byte[] headerPage) throws CorruptShardException {
        LogCheckpoint a = decode(headerPage, LogFormat.CHECKPOINT_A_OFFSET);
        LogCheckpoint b = decode(headerPage, LogFormat.CHECKPOINT_B_OFFSET);
        if (a == null && b == null) {
            throw new CorruptShardException("shard " + shardName + ": both checkpoints (A at 512, B at 1024) are invalid; "
                    + "the header page is damaged: restore the file from a backup or delete it and replay the source");
        }
        if (a == null || b == null) {
            return a == null ? b : a;
        }
        return a.generation > b.generation ? a : b;
    }
}
