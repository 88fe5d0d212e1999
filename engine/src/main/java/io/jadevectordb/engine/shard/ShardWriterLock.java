package io.jadevectordb.engine.shard;

import java.io.Closeable;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import io.jadevectordb.engine.ShardLockedException;
import io.jadevectordb.engine.io.FileIO;
import io.jadevectordb.engine.io.ShardFiles;

/**
 * The writer lock of one shard: an OS lock on the sibling {@code <file>.lock}, held by a
 * writing {@link Shard} and by offline tools (compaction, drop), so two writers can never write
 * one shard at once.
 *
 * <p>On Linux a process's POSIX locks on a file are released when <em>any</em> of its
 * descriptors of that file is closed. So a second acquire in the same JVM must never open (and
 * then close) a channel on a lock file this JVM already holds: a JVM-wide registry of held lock
 * files is checked first, and only a lock file nobody in this JVM holds is ever opened.
 */
public final class ShardWriterLock implements Closeable {

    /** Lock files (parent directory resolved to its real path) held by this JVM. */
    private static final Set<Path> HELD = ConcurrentHashMap.newKeySet();
    /**
     * Channels that met a lock taken outside this class in this JVM. They are never closed:
     * closing them would release that other holder's lock.
     */
    private static final List<FileChannel> NEVER_CLOSED = new CopyOnWriteArrayList<>();

    private final Path key;
    private final FileChannel channel;
    private final FileLock lock;
    private boolean closed;

    private ShardWriterLock(Path key, FileChannel channel, FileLock lock) {
        this.key = key;
        this.channel = channel;
        this.lock = lock;
    }

    /**
     * Takes the lock without waiting.
     *
     * @throws ShardLockedException when a writer (this or another process) holds it
     */
    public static ShardWriterLock acquire(Path shard) throws IOException {
        return acquire(FileIO.SYSTEM, shard);
    }

    /** {@link #acquire(Path)}, opening the lock file through {@code io}. */
    public static ShardWriterLock acquire(FileIO io, Path shard) throws IOException {
        Path lockFile = ShardFiles.lockFile(shard);
        // The shard's directory exists; resolving it makes two spellings of one file one key.
        Path key = lockFile.toAbsolutePath().getParent().toRealPath().resolve(lockFile.getFileName());
        if (!HELD.add(key)) {
            throw new ShardLockedException(shard);
        }
        boolean success = false;
        try {
            FileChannel channel = io.openLock(lockFile);
            FileLock lock = null;
            try {
                lock = channel.tryLock();
            } catch (OverlappingFileLockException e) {
                // Locked in this JVM by code that bypassed this class: keep the descriptor open
                // rather than drop that holder's lock by closing it.
                NEVER_CLOSED.add(channel);
                throw new ShardLockedException(shard);
            }
            if (lock == null) {
                channel.close(); // another process holds it; this JVM holds no lock on the file to lose
                throw new ShardLockedException(shard);
            }
            success = true;
            return new ShardWriterLock(key, channel, lock);
        } finally {
            if (!success) {
                HELD.remove(key);
            }
        }
    }

    @Override
    public synchronized void close() throws IOException {
        if (closed) {
            return; // a second close must not unregister a later holder of the same file
        }
        closed = true;
        try {
            if (lock.isValid()) {
                lock.release();
            }
        } finally {
            try {
                channel.close();
            } finally {
                // Only after the descriptor is closed may another acquire in this JVM open one.
                HELD.remove(key);
            }
        }
    }
}
