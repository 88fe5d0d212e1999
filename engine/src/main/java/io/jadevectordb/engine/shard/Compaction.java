package io.jadevectordb.engine.shard;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.jadevectordb.engine.StoreOptions;
import io.jadevectordb.engine.format.Checkpoint;
import io.jadevectordb.engine.format.ShardFormat;
import io.jadevectordb.engine.index.IdTable;
import io.jadevectordb.engine.index.ShardIndex;
import io.jadevectordb.engine.io.FileIO;
import io.jadevectordb.engine.io.MappedFile;
import io.jadevectordb.engine.io.ShardFiles;

/**
 * Compaction of a version 2 shard while it keeps taking writes. Committed bytes never change,
 * so the bulk of the work needs no lock:
 *
 * <ol>
 *   <li>a lock-free {@link ShardView} of the last commit gives every id's newest record, in a
 *       private index of its own;</li>
 *   <li>those records are copied, in index order, into {@code <shard>.tmp} from byte 4096, and
 *       the view's index is pointed at their new positions; the file is forced;</li>
 *   <li>under the shard's write lock: the log written since the view (committed and not) is
 *       appended to the new file and indexed, the new file gets a header with a new log id and
 *       the shard's current checkpoint (its log end shifted to the new file), is forced and
 *       renamed over the shard (then the directory is forced), and the shard adopts it.</li>
 * </ol>
 *
 * A crash before the rename leaves the old file; after it, the new one; both hold exactly the
 * last commit (the new file's index snapshot is written right after, and until then the old
 * snapshot's log id does not match, so an open reads the new, compact log whole). The write
 * lock is held for the third step only: in proportion to what was written during the copy.
 * While it runs, the view's index is a second copy of the shard's index in memory.
 */
public final class Compaction {

    private static final Logger log = LoggerFactory.getLogger(Compaction.class);
    private static final int BUFFER_BYTES = 1 << 20;

    /** Compaction stopped before the new file replaced the old one: nothing changed. */
    static final class FailedException extends IOException {
        FailedException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private Compaction() {
    }

    /** Runs a compaction of {@code shard}; false when the shard closed or was replaced meanwhile. */
    static boolean run(Shard shard, Runnable betweenCopyAndSwap) throws IOException {
        String name = shard.name();
        Path path = shard.path();
        StoreOptions options = shard.options();
        FileIO io = options.fileIO();
        Path tmp = ShardFiles.temporary(path);
        long started = System.nanoTime();
        ShardView view;
        try {
            view = ShardView.open(name, path, options);
        } catch (IOException e) {
            throw new FailedException("shard " + name + ": compaction could not read the last commit (" + e.getMessage()
                    + "); nothing changed", e);
        }
        ShardIndex index = view.detachIndex();
        boolean adopted = false;
        boolean renamed = false;
        try (view; FileChannel out = io.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            long copiedEnd;
            try {
                copiedEnd = copyNewest(shard, view, index, out);
                out.force(true);
            } catch (IOException e) {
                throw new FailedException("shard " + name + ": compaction into " + tmp + " failed (" + e.getMessage()
                        + "); nothing committed is lost, the shard keeps its current file", e);
            }
            betweenCopyAndSwap.run();
            shard.lock().lockWrite();
            try {
                if (!shard.writes(view.format().logId())) {
                    return false;
                }
                Checkpoint current = shard.checkpoint();
                long append = shard.appendPosition();
                long viewEnd = view.checkpoint().logEnd();
                long shift = copiedEnd - viewEnd;
                ShardFormat compacted = view.format().withLogId(Shard.newLogId());
                Checkpoint next;
                copyRange(shard.file(), viewEnd, append, out, copiedEnd);
                try (MappedFile tail = MappedFile.open(io, tmp, true, options.mapChunkBytes())) {
                    // A lock-free reader racing the swap may find the index before it learns its final log.
                    tail.sharedWithOptimisticReaders(shard.lock()::awaitOptimisticReaders);
                    index.log(tail);
                    index.resetGarbage();
                    index.indexRange(copiedEnd, current.logEnd() + shift);
                    next = new Checkpoint(current.generation() + 1, current.sourceOffset(), current.logEnd() + shift,
                            index.liveCount(), index.deletedCount(), false,
                            Math.max(index.entryHighWater(), current.entryHighWater()), index.garbageBytes(), false);
                    index.indexRange(current.logEnd() + shift, append + shift);
                    Shard.writeHeaderPage(out, compacted, next);
                    out.force(true);
                    io.move(tmp, path);
                    renamed = true;
                    io.fsyncDirectory(path.getParent());
                } catch (IOException e) {
                    if (renamed) {
                        throw shard.failed("compaction renamed the new log over the old one, but forcing the directory failed", e);
                    }
                    throw new FailedException("shard " + name + ": compaction into " + tmp + " failed (" + e.getMessage()
                            + "); nothing committed is lost, the shard keeps its current file", e);
                }
                shard.adoptCompacted(compacted, index, next, append + shift);
                adopted = true;
                log.info("shard {}: compacted the log from {} to {} bytes ({} live, {} deleted; {} bytes written meanwhile) in {} ms",
                        name, viewEnd, next.logEnd(), index.liveCount(), index.deletedCount(), append - viewEnd,
                        (System.nanoTime() - started) / 1_000_000);
                return true;
            } finally {
                shard.lock().unlockWrite();
            }
        } finally {
            if (!adopted) {
                index.close();
            }
            // A shard that closed meanwhile may have a new writer, whose temporary file this could be:
            // leave it to the next open, which deletes leftovers.
            if (!renamed && shard.isOpen()) {
                io.deleteIfExists(tmp);
            }
        }
    }

    /**
     * Copies the newest record of every id of the view, in index order, to {@code out} from
     * byte 4096 and points the index at the copies; returns the end of the copy.
     */
    private static long copyNewest(Shard shard, ShardView view, ShardIndex index, FileChannel out) throws IOException {
        IdTable table = index.table();
        MappedFile from = view.file();
        ByteBuffer buffer = ByteBuffer.allocateDirect(BUFFER_BYTES);
        byte[] record = new byte[view.format().maxRecordLength()];
        long written = ShardFormat.FIRST_RECORD;
        long end = ShardFormat.FIRST_RECORD;
        for (long p = 0; p < table.capacity(); p++) {
            if (table.hashAt(p) == 0) {
                continue;
            }
            int length = table.lengthAt(p);
            if (buffer.remaining() < length) {
                written = drain(out, buffer, written);
                if (Thread.currentThread().isInterrupted() || shard.closing()) {
                    throw new InterruptedIOException("compaction of " + view.name() + " stopped: the shard or the store is closing");
                }
            }
            from.getBytes(table.positionAt(p), record, 0, length);
            buffer.put(record, 0, length);
            table.setPosition(p, end);
            end += length;
        }
        drain(out, buffer, written);
        return end;
    }

    /** Appends {@code [from, to)} of {@code log} to {@code out} at {@code at}. */
    private static void copyRange(MappedFile log, long from, long to, FileChannel out, long at) throws IOException {
        byte[] chunk = new byte[BUFFER_BYTES];
        for (long position = from; position < to; ) {
            int n = (int) Math.min(chunk.length, to - position);
            log.getBytes(position, chunk, 0, n);
            ShardFiles.writeFully(out, ByteBuffer.wrap(chunk, 0, n), at + (position - from));
            position += n;
        }
    }

    /** Writes what {@code buffer} holds at {@code position}; returns the position after it. */
    public static long drain(FileChannel out, ByteBuffer buffer, long position) throws IOException {
        buffer.flip();
        int n = buffer.remaining();
        ShardFiles.writeFully(out, buffer, position);
        buffer.clear();
        return position + n;
    }
}
