package io.jadevectordb.engine.verify;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import io.jadevectordb.engine.format.Checkpoint;
import io.jadevectordb.engine.format.ShardFormat;
import io.jadevectordb.engine.index.IdTable;
import io.jadevectordb.engine.index.IndexSnapshot;
import io.jadevectordb.engine.index.ShardIndex;

/**
 * A format 2 shard file and its index snapshot as bytes, for tests that damage them by hand:
 * record positions by id, checkpoint rewrites with a valid checksum, snapshot entries and the
 * snapshot's two checksums.
 */
final class ShardFileBytes {

    final Path file;
    final byte[] bytes;
    final ByteBuffer b;

    private ShardFileBytes(Path file, byte[] bytes) {
        this.file = file;
        this.bytes = bytes;
        this.b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    }

    static ShardFileBytes load(Path file) throws Exception {
        return new ShardFileBytes(file, Files.readAllBytes(file));
    }

    static ShardFileBytes snapshotOf(Path shard) throws Exception {
        return load(IndexSnapshot.fileOf(shard));
    }

    void save() throws Exception {
        Files.write(file, bytes);
    }

    Checkpoint checkpoint() throws Exception {
        return Checkpoint.newest("test", bytes);
    }

    /** Overwrites the copy {@code c} belongs in, with a valid checksum. */
    void putCheckpoint(Checkpoint c) {
        System.arraycopy(c.encode(), 0, bytes, c.headerOffset(), Checkpoint.SIZE);
    }

    /** Position of the newest committed record of each id, in log order. */
    Map<String, Long> newestRecords() throws Exception {
        Map<String, Long> positions = new LinkedHashMap<>();
        long end = checkpoint().logEnd();
        for (long p = ShardFormat.FIRST_RECORD; p < end; p += b.getInt((int) p)) {
            int idLength = Short.toUnsignedInt(b.getShort((int) p + 6));
            int payload = b.getInt((int) p + 16);
            String id = new String(bytes, (int) p + ShardFormat.RECORD_HEADER + payload, idLength, StandardCharsets.UTF_8);
            positions.remove(id);
            positions.put(id, p);
        }
        return positions;
    }

    // Index snapshot files.

    long capacity() {
        return b.getLong(24);
    }

    /** Byte offset of the snapshot entry holding {@code id}. */
    int entryOf(String id) {
        long hash = ShardIndex.hash(ShardFormat.idBytes(id));
        long mask = capacity() - 1;
        for (long e = hash & mask; ; e = (e + 1) & mask) {
            int at = IndexSnapshot.HEADER_SIZE + (int) e * IdTable.ENTRY_SIZE;
            if (b.getLong(at) == hash) {
                return at;
            }
            if (b.getLong(at) == 0) {
                throw new IllegalStateException("no snapshot entry for " + id);
            }
        }
    }

    /** Table index of the entry at byte offset {@code at}. */
    static long entryIndex(int at) {
        return (at - IndexSnapshot.HEADER_SIZE) / IdTable.ENTRY_SIZE;
    }

    /** Recomputes the table checksum and then the header checksum, so only deeper checks can notice a change. */
    void fixSnapshotChecksums() {
        int tableBytes = (int) capacity() * IdTable.ENTRY_SIZE;
        b.putInt(64, ShardFormat.crc(bytes, IndexSnapshot.HEADER_SIZE, tableBytes));
        fixSnapshotHeaderChecksum();
    }

    void fixSnapshotHeaderChecksum() {
        b.putInt(124, ShardFormat.crc(bytes, 0, 124));
    }
}
