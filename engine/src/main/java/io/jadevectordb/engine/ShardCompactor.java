package io.jadevectordb.engine;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Offline compaction of one shard: rewrites it into a new file that holds only its live
 * entries, with data slots renumbered densely from 0, the same checkpoint source offset, a
 * clean checkpoint of the next generation, and an index no larger than the live entries need;
 * then forces the new file and renames it over the old one (atomic rename plus directory
 * fsync). A crash at any point leaves either the old file or the complete new one (a leftover
 * {@code .tmp} is deleted by the next writer open).
 *
 * <p>It takes the shard's writer lock (the sibling {@code <file>.lock}) for the whole rewrite
 * and refuses with {@link ShardLockedException} while a writer holds it. A file that was not
 * closed cleanly (a crashed writer) is first recovered exactly as a writer's open would
 * recover it, and closed cleanly. A file with faults ({@link ShardVerifier}) is refused: its
 * damage would be copied.
 *
 * <p><b>Why dropping deleted entries is safe for replay.</b> A deleted entry remembers the
 * source offset of its delete, which makes a replayed older store of that id a no-op. Without
 * the entry, replay could only resurrect the id by re-applying a store older than the delete;
 * but resuming a partition replays every mutation after the lowest checkpoint among the
 * partition's shards, and compaction keeps this shard's checkpoint offset unchanged. If the
 * delete is at or below that lowest checkpoint, every mutation of the id before the delete
 * is too, and none of them is replayed. If it is above, the delete itself is replayed after
 * whatever it follows, and the id ends deleted either way. Entries keep their own source
 * offsets, so idempotent replay of live ids is unaffected.
 */
public final class ShardCompactor {

    private static final Logger LOG = LoggerFactory.getLogger(ShardCompactor.class);

    /**
     * What a compaction did.
     *
     * @param name              {@code database/file}
     * @param file              the shard file
     * @param bytesBefore       file size before
     * @param bytesAfter        file size after
     * @param liveCount         live entries kept
     * @param deletedDropped    soft-deleted entries dropped
     * @param slotsBefore       data slots in use before (live, deleted and orphaned)
     * @param indexCapacityBefore index entries before
     * @param indexCapacityAfter  index entries after
     * @param sourceOffset      the checkpoint source offset, unchanged
     * @param recoveredFirst    true when the file was not closed cleanly and was recovered first
     */
    public record Result(String name, Path file, long bytesBefore, long bytesAfter, long liveCount, long deletedDropped,
                         long slotsBefore, int indexCapacityBefore, int indexCapacityAfter, long sourceOffset,
                         boolean recoveredFirst) {
    }

    private ShardCompactor() {
    }

    /**
     * Compacts one shard file.
     *
     * @param name {@code database/file}, for messages
     * @throws ShardLockedException  when a writer holds the shard
     * @throws CorruptShardException when the file has faults; nothing is changed
     */
    public static Result compact(String name, Path file, StoreOptions options) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new NoSuchFileException(file.toString(), null, "no such shard file");
        }
        boolean recovered = false;
        if (!Shard.readCheckpoint(name, file).clean()) {
            recover(name, file, options);
            recovered = true;
        }
        try (ShardWriterLock lock = ShardWriterLock.acquire(file)) {
            ShardReport report = ShardVerifier.verify(name, file, options);
            if (report.hasFaults()) {
                throw new CorruptShardException("shard " + name + ": not compacted, verification found " + report.faults().size()
                        + " fault(s), first: " + report.faults().get(0).where() + ": " + report.faults().get(0).fault());
            }
            if (!report.checkpoint().clean()) {
                throw new ShardLockedException(file); // a writer opened it between recovery and our lock, and died
            }
            return rewrite(name, file, options, recovered);
        }
    }

    /** Recovery as a writer's open runs it, then a clean close: the same code path, under the writer lock. */
    private static void recover(String name, Path file, StoreOptions options) throws IOException {
        byte[] page = ShardFiles.readPrefix(file, ShardFormat.PAGE_SIZE);
        ShardFormat format = ShardFormat.decode(file, page, Files.size(file));
        LOG.info("shard {}: not closed cleanly; recovering it before compaction, as a writer's open would", name);
        try (Shard shard = Shard.openForWrite(name, file, format.dimension(), format.maxIdBytes(), options)) {
            LOG.debug("shard {}: recovered: {}", name, shard.wasRecovered());
        }
    }

    private static Result rewrite(String name, Path file, StoreOptions options, boolean recovered) throws IOException {
        long bytesBefore = Files.size(file);
        Path tmp = ShardFiles.temporary(file);
        boolean success = false;
        try (MappedFile source = MappedFile.open(options.fileIO(), file, true, options.mapChunkBytes())) {
            byte[] page = new byte[ShardFormat.PAGE_SIZE];
            source.getBytes(0, page, 0, page.length);
            ShardFormat format = ShardFormat.decode(file, page, source.length());
            Checkpoint checkpoint = Checkpoint.newest(name, page);
            ShardIndex index = new ShardIndex(source, format);
            long[] bySlot = new long[64];
            int live = 0;
            long deleted = 0;
            for (int p = 0; p < index.capacity(); p++) {
                if (index.hashAt(p) == 0) {
                    continue;
                }
                if ((index.flagsAt(p) & ShardIndex.FLAG_DELETED) != 0) {
                    deleted++;
                    continue;
                }
                if (live == bySlot.length) {
                    bySlot = Arrays.copyOf(bySlot, live * 2);
                }
                bySlot[live++] = ((long) index.slotAt(p) << 32) | p;
            }
            // Slot order: the old data region is read sequentially and keeps its relative order.
            Arrays.sort(bySlot, 0, live);
            IndexEntries entries = new IndexEntries();
            for (int i = 0; i < live; i++) {
                int p = (int) bySlot[i];
                entries.add(index.hashAt(p), i, ShardIndex.FLAG_OCCUPIED, index.offsetAt(p), index.payloadCrcAt(p));
            }
            ShardFormat target = format.withIndexCapacity(entries.capacityFor(ShardFormat.MIN_INDEX_CAPACITY));
            long length = ShardFormat.alignUp(target.dataOffset() + (long) live * format.slotSize(), (long) ShardFormat.PAGE_SIZE);
            Checkpoint next = checkpoint.next(checkpoint.sourceOffset(), live, live, 0, true, checkpoint.entryHighWater());
            ShardFiles.createShardFile(options.fileIO(), tmp, target, next, length, options.preallocator());
            try (MappedFile out = MappedFile.open(options.fileIO(), tmp, false, options.mapChunkBytes())) {
                byte[] slotBytes = new byte[format.slotSize()];
                for (int i = 0; i < live; i++) {
                    source.getBytes(format.slotPosition(bySlot[i] >>> 32), slotBytes, 0, slotBytes.length);
                    out.putBytes(target.slotPosition(i), slotBytes, 0, slotBytes.length);
                }
                entries.writeTo(new ShardIndex(out, target));
                out.forceDirty();
            }
            ShardFiles.replace(options.fileIO(), tmp, file);
            success = true;
            Result result = new Result(name, file, bytesBefore, length, live, deleted, checkpoint.slotCount(),
                    format.indexCapacity(), target.indexCapacity(), checkpoint.sourceOffset(), recovered);
            LOG.info("shard {}: compacted from {} to {} bytes ({} live kept, {} deleted dropped, index {} -> {} entries, "
                            + "checkpoint offset {} unchanged)", name, bytesBefore, length, live, deleted,
                    format.indexCapacity(), target.indexCapacity(), checkpoint.sourceOffset());
            return result;
        } catch (IOException e) {
            throw new IOException("shard " + name + ": compaction failed (" + e.getMessage() + "); the original file is "
                    + "unchanged: free disk space if it is full, then retry", e);
        } finally {
            if (!success) {
                options.fileIO().deleteIfExists(tmp);
            }
        }
    }
}
