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

import io.jadevectordb.engine.format.Checkpoint;
import io.jadevectordb.engine.format.ShardFormat;
import io.jadevectordb.engine.index.IndexSnapshot;
import io.jadevectordb.engine.io.FileIO;
import io.jadevectordb.engine.io.ShardFiles;
import io.jadevectordb.engine.shard.Compaction;
import io.jadevectordb.engine.shard.Shard;
import io.jadevectordb.engine.v1.FormatOneHeader;
import io.jadevectordb.engine.v1.FormatOneReader;

/**
 * Upgrades a format 1 shard file to format 2 in place, crash-safely: the format 1 file is
 * read, never written ({@link FormatOneReader}, which judges a file not closed cleanly as format
 * 1's crash recovery did), every id is written as one record of a
 * new format 2 log in {@code <shard>.tmp} with the source offset that last wrote it (deleted
 * ids as tombstones), the new file is forced and renamed over the old one, and the directory
 * is forced. A crash before the rename leaves the format 1 file, which the next open migrates
 * again; after it, the format 2 file. The caller holds the shard's writer lock.
 *
 * <p>A shard that was not closed cleanly becomes exactly its last commit. Format 1 wrote in
 * place, so an id written after that commit has lost its committed vector: either torn by the
 * crash ({@link FormatOneReader.Kind#TORN}) or whole but uncommitted ({@link FormatOneReader.Kind#UNCOMMITTED}, offset above the
 * checkpoint). Such an id is neither dropped (format 1 counts it present, so an UPDATE or
 * DELETE of it on replay applies) nor carried over with a vector no commit holds: it becomes a
 * {@link ShardFormat#PLACEHOLDER_OFFSET placeholder}, a STORE record with source offset -1 and a
 * zero vector that counts as live but is never served, so that replaying the source from the
 * checkpoint applies every mutation after it again, with the outcome it had the first time.
 */
public final class ShardMigration {

    private static final Logger log = LoggerFactory.getLogger(ShardMigration.class);

    private ShardMigration() {
    }

    public static void migrate(String name, Path path, StoreOptions options) throws IOException {
        FileIO io = options.fileIO();
        long started = System.nanoTime();
        Path tmp = ShardFiles.temporary(path);
        long records = 0;
        long placeholders = 0;
        boolean success = false;
        // Read only: a crash during migration leaves the format 1 file as it was, which the next open migrates again.
        try (FileChannel old = io.open(path, StandardOpenOption.READ)) {
            FormatOneReader v1 = FormatOneReader.open(name, path, old);
            FormatOneHeader.Checkpoint from = v1.header().checkpoint();
            ShardFormat format = new ShardFormat(v1.header().dimension(), v1.header().maxIdBytes(), Shard.newLogId());
            ByteBuffer record = ByteBuffer.allocateDirect(format.maxPlainRecordLength()) /* format 1 has no metadata */.order(ByteOrder.LITTLE_ENDIAN);
            ByteBuffer out = ByteBuffer.allocateDirect(1 << 20);
            CRC32C crc = new CRC32C();
            float[] unknown = new float[format.dimension()];
            long live = 0;
            long deleted = 0;
            long highWater = Math.max(from.entryHighWater(), from.sourceOffset());
            try (FileChannel channel = io.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                    StandardOpenOption.READ, StandardOpenOption.WRITE)) {
                long position = ShardFormat.FIRST_RECORD;
                for (FormatOneReader.Entry e = v1.next(); e != null; e = v1.next()) {
                    boolean placeholder = e.kind() == FormatOneReader.Kind.TORN || e.kind() == FormatOneReader.Kind.UNCOMMITTED;
                    boolean isDeleted = e.kind() == FormatOneReader.Kind.DELETED;
                    long offset = placeholder ? ShardFormat.PLACEHOLDER_OFFSET : e.sourceOffset();
                    int length = ShardFormat.encodeRecord(record, isDeleted ? ShardFormat.TYPE_DELETE : ShardFormat.TYPE_STORE, offset,
                            isDeleted ? null : placeholder ? unknown : e.vector(), e.id(), crc);
                    if (out.remaining() < length) {
                        position = Compaction.drain(channel, out, position);
                    }
                    out.put(record);
                    // An uncommitted entry's offset still counts: format 1's recovery kept it in the entry high-water mark.
                    highWater = Math.max(highWater, e.sourceOffset());
                    placeholders += placeholder ? 1 : 0;
                    records++;
                    if (isDeleted) {
                        deleted++;
                    } else {
                        live++;
                    }
                }
                long end = Compaction.drain(channel, out, position);
                // Generations continue from the format 1 file's as if it had been opened (one more) and, after a crash,
                // recovered (one more again), as the format 1 writer did before migrating.
                long generation = from.generation() + (from.clean() ? 2 : 3);
                Checkpoint checkpoint = new Checkpoint(generation, from.sourceOffset(), end, live, deleted, false, highWater, 0,
                        false);
                Shard.writeHeaderPage(channel, format, checkpoint);
                channel.force(true);
            }
            if (!from.clean()) {
                logRecovery(name, from, records, v1);
            }
            old.close(); // before the rename over it
            IndexSnapshot.delete(io, path);
            ShardFiles.replace(io, tmp, path);
            success = true;
        } finally {
            if (!success) {
                io.deleteIfExists(tmp);
            }
        }
        log.info("shard {}: migrated from format 1 to format 2 ({} ids{}) in {} ms", name, records,
                placeholders == 0 ? "" : ", " + placeholders + " of them written after the last commit (or torn by the crash) kept as"
                        + " placeholders that replay from the checkpoint rewrites", (System.nanoTime() - started) / 1_000_000);
    }

    private static void logRecovery(String name, FormatOneHeader.Checkpoint from, long kept, FormatOneReader v1) {
        log.info("shard {}: format 1 file not closed cleanly, read as of its checkpoint generation {} (source offset {}): kept {} "
                + "entries, discarded {} written after the checkpoint or torn", name, from.generation(), from.sourceOffset(), kept,
                v1.discarded());
        if (v1.suspect() > 0) {
            log.warn("shard {}: {} index entries (first at position {}) fail their checksum but point below the checkpointed "
                    + "high-water mark {}: possible media corruption; those ids are dropped and come back only if the source "
                    + "replays a later write of them; run jvdb verify on a copy and consider replaying the partition from the "
                    + "start", name, v1.suspect(), v1.firstSuspect(), from.slotCount());
        }
    }
}
