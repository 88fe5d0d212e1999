package io.jadevectordb.engine;

import java.io.Closeable;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The writer lock of one shard, held by an offline tool (compaction): the same OS lock on the
 * sibling {@code <file>.lock} that a writing {@link Shard} holds, so a tool and a sink can
 * never write one shard at once.
 */
final class ShardWriterLock implements Closeable {

    private final FileChannel channel;
    private final FileLock lock;

    private ShardWriterLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    /**
     * Takes the lock without waiting.
     *
     * @throws ShardLockedException when a writer (this or another process) holds it
     */
    static ShardWriterLock acquire(Path shard) throws IOException {
        FileChannel channel = FileChannel.open(ShardFiles.lockFile(shard), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock lock = null;
        try {
            lock = channel.tryLock();
        } catch (OverlappingFileLockException e) {
            // held by a writer in this JVM
        } finally {
            if (lock == null) {
                channel.close();
            }
        }
        if (lock == null) {
            throw new ShardLockedException(shard);
        }
        return new ShardWriterLock(channel, lock);
    }

    @Override
    public void close() throws IOException {
        try {
            if (lock.isValid()) {
                lock.release();
            }
        } finally {
            channel.close();
        }
    }
}
