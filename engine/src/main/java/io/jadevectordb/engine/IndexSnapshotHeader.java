package io.jadevectordb.engine;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;

/**
 * The header of an index snapshot file ({@code <shard>.index}, layout in {@link IndexSnapshot}),
 * decoded field by field: opening uses it to decide whether to trust the snapshot, tools to
 * report each inconsistency on its own.
 *
 * @param size       bytes in the file
 * @param complete   whether the file holds a whole header page
 * @param recognised magic {@code JVIX} and version 1
 * @param crcValid   the header checksum matches
 */
record IndexSnapshotHeader(long size, boolean complete, boolean recognised, boolean crcValid, long logId, long coveredEnd,
                           long capacity, long liveCount, long deletedCount, long entryHighWater, long garbageBytes,
                           int tableCrc) {

    /** Reads the header page of an open snapshot file. */
    static IndexSnapshotHeader read(FileChannel channel) throws IOException {
        long size = channel.size();
        ByteBuffer b = ByteBuffer.allocate(IndexSnapshot.HEADER_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        while (b.hasRemaining() && channel.read(b, b.position()) > 0) {
            // keep reading
        }
        boolean complete = !b.hasRemaining();
        boolean recognised = complete && Integer.reverseBytes(b.getInt(0)) == IndexSnapshot.MAGIC
                && b.getShort(4) == IndexSnapshot.VERSION;
        boolean crcValid = complete && b.getInt(IndexSnapshot.HEADER_CRC_OFFSET) == LogFormat.crc(b.array(), 0, IndexSnapshot.HEADER_CRC_OFFSET);
        return new IndexSnapshotHeader(size, complete, recognised, crcValid, b.getLong(8), b.getLong(16), b.getLong(24),
                b.getLong(32), b.getLong(40), b.getLong(48), b.getLong(56), b.getInt(64));
    }

    /** Whether {@link #capacity} is a table size this file really holds. */
    boolean capacityFits() {
        return Long.bitCount(capacity) == 1 && capacity >= IdTable.MIN_CAPACITY
                && capacity <= (size - IndexSnapshot.HEADER_SIZE) / IdTable.ENTRY_SIZE;
    }
}
