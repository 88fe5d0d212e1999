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

import io.jadevectordb.engine.index.IndexSnapshot;
import io.jadevectordb.engine.io.FileIO;
import io.jadevectordb.engine.io.MappedFile;
import io.jadevectordb.engine.io.ShardFiles;
import io.jadevectordb.engine.shard.Compaction;

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
 * {@link io.jadevectordb.engine.format.ShardFormat#PLACEHOLDER_OFFSET placeholder}, a STORE record with source offset -1 and a
 * zero vector that counts as live but is never served, so that replaying the source from the
 * checkpoint applies every mutation after it again, with the outcome it had the first time.
 */
public final class ShardMigration {

    private static final Logger log = LoggerFactory.getLogger(ShardMigration.class);

    private ShardMigration() {
    }

    public static void migrate(String name, Path path, StoreOptions options) throws IOException {
        FileIO fileIO = options.fileIO();
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
            io.jadevectordb.engine.format.ShardFormat format = new io.jadevectordb.engine.format.ShardFormat(v1.dimension(), v1.maxIdBytes(), io.jadevectordb.engine.shard.Shard.newLogId()); // CHECKSTYLE:FQN format 1 and format 2 share this name
            ByteBuffer record = ByteBuffer.allocateDirect(format.maxRecordLength()).order(ByteOrder.LITTLE_ENDIAN);
            ByteBuffer out = ByteBuffer.allocateDirect(1 << 20);
            CRC32C crc = new CRC32C();
            float[] vector = new float[v1.dimension()];
            float[] unknown = new float[v1.dimension()];
            long committedOffset = old.checkpoint().sourceOffset();
            long live = 0;
            long deleted = 0;
            long highWater = old.checkpoint().entryHighWater();
            try (FileChannel channel = fileIO.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                    StandardOpenOption.READ, StandardOpenOption.WRITE)) {
                long position = io.jadevectordb.engine.format.ShardFormat.FIRST_RECORD; // CHECKSTYLE:FQN format 1 and format 2 share this name
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
                        offset = io.jadevectordb.engine.format.ShardFormat.PLACEHOLDER_OFFSET; // CHECKSTYLE:FQN format 1 and format 2 share this name
                        placeholders++;
                    } else if (!isDeleted) {
                        in.getFloats(v1.slotPosition(slot), vector);
                    }
                    int length = io.jadevectordb.engine.format.ShardFormat.encodeRecord(record, isDeleted ? io.jadevectordb.engine.format.ShardFormat.TYPE_DELETE : io.jadevectordb.engine.format.ShardFormat.TYPE_STORE, offset, // CHECKSTYLE:FQN format 1 and format 2 share this name
                            isDeleted ? null : placeholder ? unknown : vector, id, crc);
                    if (out.remaining() < length) {
                        position = Compaction.drain(channel, out, position);
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
                long end = Compaction.drain(channel, out, position);
                io.jadevectordb.engine.format.Checkpoint checkpoint = new io.jadevectordb.engine.format.Checkpoint(old.checkpoint().generation() + 1, old.checkpoint().sourceOffset(), // CHECKSTYLE:FQN format 1 and format 2 share this name
                        end, live, deleted, false, highWater, 0, false);
                io.jadevectordb.engine.shard.Shard.writeHeaderPage(channel, format, checkpoint); // CHECKSTYLE:FQN format 1 and format 2 share this name
                channel.force(true);
            }
            old.releaseQuietly();
            IndexSnapshot.delete(fileIO, path);
            fileIO.move(tmp, path);
            fileIO.fsyncDirectory(path.getParent());
            success = true;
        } finally {
            old.releaseQuietly();
            if (!success) {
                fileIO.deleteIfExists(tmp);
            }
        }
        log.info("shard {}: migrated from format 1 to format 2 ({} ids{}) in {} ms", name, records,
                placeholders == 0 ? "" : ", " + placeholders + " of them written after the last commit (or torn by the crash) kept as"
                        + " placeholders that replay from the checkpoint rewrites", (System.nanoTime() - started) / 1_000_000);
    }
}
