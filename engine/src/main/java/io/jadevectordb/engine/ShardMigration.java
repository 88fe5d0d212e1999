package io.jadevectordb.engine;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.zip.CRC32C;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Upgrades a format 1 shard file to format 2 in place, crash-safely: the format 1 file is
 * opened (and recovered, if it was not closed cleanly), every id is written as one record of a
 * new format 2 log in {@code <shard>.tmp} with the source offset that last wrote it (deleted
 * ids as tombstones), the new file is forced and renamed over the old one, and the directory
 * is forced. A crash before the rename leaves the format 1 file, which the next open migrates
 * again; after it, the format 2 file. The caller holds the shard's writer lock.
 *
 * <p>A shard that was not closed cleanly becomes exactly its last commit. Format 1 wrote in
 * place, so an id written after that commit has lost its committed vector: either torn by the
 * crash (recovery marks its entry offset -1) or whole but uncommitted (offset above the
 * checkpoint). Such an id is neither dropped (format 1 counts it present, so an UPDATE or
 * DELETE of it on replay applies) nor carried over with a vector no commit holds: it becomes a
 * {@link LogFormat#PLACEHOLDER_OFFSET placeholder}, a STORE record with source offset -1 and a
 * zero vector that counts as live but is never served, so that replaying the source from the
 * checkpoint applies every mutation after it again, with the outcome it had the first time.
 */
final class ShardMigration {

    private static final Logger log = LoggerFactory.getLogger(ShardMigration.class);

    private ShardMigration() {
    }

    static void migrate(String name, Path path, StoreOptions options) throws IOException {
        FileIO io = options.fileIO();
        long started = System.nanoTime();
        // Read before the open, which recovers the file and marks it open (unclean) from then on.
        boolean crashed = !Shard.readCheckpoint(name, path).clean();
        Shard old = Shard.openForMigration(name, path, options);
        Path tmp = ShardFiles.temporary(path);
        long records = 0;
        long placeholders = 0;
        boolean success = false;
        try {
            ShardFormat v1 = old.format();
            ShardIndex index = old.index();
            MappedFile in = old.file();
            LogFormat format = new LogFormat(v1.dimension(), v1.maxIdBytes(), LogShard.newLogId());
            ByteBuffer record = ByteBuffer.allocateDirect(format.maxRecordLength()).order(ByteOrder.LITTLE_ENDIAN);
            ByteBuffer out = ByteBuffer.allocateDirect(1 << 20);
            CRC32C crc = new CRC32C();
            float[] vector = new float[v1.dimension()];
            float[] unknown = new float[v1.dimension()];
            long committedOffset = old.checkpoint().sourceOffset();
            long live = 0;
            long deleted = 0;
            long highWater = old.checkpoint().entryHighWater();
            try (FileChannel channel = io.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                    StandardOpenOption.READ, StandardOpenOption.WRITE)) {
                long position = LogFormat.FIRST_RECORD;
                for (int p = 0; p < index.capacity(); p++) {
                    if (index.hashAt(p) == 0 || (index.flagsAt(p) & ShardIndex.FLAG_OCCUPIED) == 0) {
                        continue;
                    }
                    long offset = index.offsetAt(p);
                    boolean placeholder = crashed && (offset < 0 || offset > committedOffset);
                    int slot = index.slotAt(p);
                    long idPosition = v1.idPosition(slot);
                    byte[] id = new byte[Math.min(Short.toUnsignedInt(in.getShort(idPosition)), v1.maxIdBytes())];
                    in.getBytes(idPosition + 2, id, 0, id.length);
                    boolean isDeleted = !placeholder && (index.flagsAt(p) & ShardIndex.FLAG_DELETED) != 0;
                    if (placeholder) {
                        offset = LogFormat.PLACEHOLDER_OFFSET;
                        placeholders++;
                    } else if (!isDeleted) {
                        in.getFloats(v1.slotPosition(slot), vector);
                    }
                    int length = LogFormat.encodeRecord(record, isDeleted ? LogFormat.TYPE_DELETE : LogFormat.TYPE_STORE, offset,
                            isDeleted ? null : placeholder ? unknown : vector, id, crc);
                    if (out.remaining() < length) {
                        position = LogCompaction.drain(channel, out, position);
                    }
                    out.put(record);
                    highWater = Math.max(highWater, offset);
                    records++;
                    if (isDeleted) {
                        deleted++;
                    } else {
                        live++;
                    }
                }
                long end = LogCompaction.drain(channel, out, position);
                LogCheckpoint checkpoint = new LogCheckpoint(old.checkpoint().generation() + 1, old.checkpoint().sourceOffset(),
                        end, live, deleted, false, highWater, 0, false);
                LogShard.writeHeaderPage(channel, format, checkpoint);
                channel.force(true);
            }
            old.releaseQuietly();
            IndexSnapshot.delete(io, path);
            io.move(tmp, path);
            io.fsyncDirectory(path.getParent());
            success = true;
        } finally {
            old.releaseQuietly();
            if (!success) {
                io.deleteIfExists(tmp);
            }
        }
        log.info("shard {}: migrated from format 1 to format 2 ({} ids{}) in {} ms", name, records,
                placeholders == 0 ? "" : ", " + placeholders + " of them written after the last commit (or torn by the crash) kept as"
                        + " placeholders that replay from the checkpoint rewrites", (System.nanoTime() - started) / 1_000_000);
    }
}
