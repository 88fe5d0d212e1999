package io.jadevectordb.engine.shard;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * A shard's lock: a reentrant read-write lock for writers and locked readers, plus a sequence
 * for optimistic (lock-free) readers, in the manner of a seqlock or
 * {@link java.util.concurrent.locks.StampedLock}'s optimistic mode.
 *
 * <p>The sequence is odd while a write-lock holder may change what readers see (the index, the
 * log's mapping, the log and index a compaction swaps in, the closed flag) and even otherwise;
 * it moves on with every such hold. An optimistic reader takes a stamp (the even sequence),
 * reads with plain loads, and keeps what it read only if {@link #validate} finds the sequence
 * unchanged: then no writer ran in between, so it read one quiescent state whole, the same a
 * locked reader could have seen. A writer must therefore never free memory an optimistic reader
 * may hold a reference to (the shard leaves such memory to the garbage collector); a reader must
 * expect torn values before it validates (stale positions, swapped arrays) and turn any
 * exception they cause into a retry under the read lock.
 *
 * <p>The write lock is reentrant, and the sequence moves only at the outermost hold.
 */
final class ShardLock {

    private static final VarHandle SEQUENCE;

    static {
        try {
            SEQUENCE = MethodHandles.lookup().findVarHandle(ShardLock.class, "sequence", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    /** Even: what readers see is quiescent; odd: a writer is changing it. Written only by the write-lock holder. */
    @SuppressWarnings("unused") // through SEQUENCE
    private volatile long sequence;
    /** Whether the current write-lock hold made the sequence odd (written and read by the holder only). */
    private boolean changing;

    /** Takes the write lock for a change readers may see: optimistic reads fail until {@link #unlockWrite}. */
    void lockWrite() {
        lock.writeLock().lock();
        changing();
    }

    /**
     * Takes the write lock for work that leaves what readers see as it is (a force of written
     * records): optimistic reads go on meanwhile. Anything in it that does change it after all
     * (a failure that closes the shard) calls {@link #changing} first.
     */
    void lockWriteReadersUnaffected() {
        lock.writeLock().lock();
    }

    /**
     * The current write-lock holder is about to change what readers see: makes the sequence odd
     * (once per hold). Nothing when the calling thread does not hold the write lock (a shard
     * released before any reader could see it).
     */
    void changing() {
        if (changing || !lock.isWriteLockedByCurrentThread()) {
            return;
        }
        changing = true;
        SEQUENCE.setOpaque(this, (long) SEQUENCE.getOpaque(this) + 1);
        // The odd sequence is visible before any change made after it.
        VarHandle.storeStoreFence();
    }

    void unlockWrite() {
        if (changing && lock.getWriteHoldCount() == 1) {
            changing = false;
            // Release: every change made in the hold is visible before the even sequence is.
            SEQUENCE.setRelease(this, (long) SEQUENCE.getOpaque(this) + 1);
        }
        lock.writeLock().unlock();
    }

    void lockRead() {
        lock.readLock().lock();
    }

    boolean tryLockRead() {
        return lock.readLock().tryLock();
    }

    void unlockRead() {
        lock.readLock().unlock();
    }

    /** A stamp to validate after an optimistic read, or 0 when a writer is changing things now (read under the lock). */
    long tryOptimisticRead() {
        long s = (long) SEQUENCE.getAcquire(this);
        return (s & 1) == 0 ? s | Long.MIN_VALUE : 0;
    }

    /** Whether no writer changed anything readers see since {@code stamp} was taken: what was read since is one state. */
    boolean validate(long stamp) {
        // The reads made since the stamp complete before the sequence is read again.
        VarHandle.acquireFence();
        return (((long) SEQUENCE.getOpaque(this)) | Long.MIN_VALUE) == stamp;
    }

    boolean isWriteLockedByCurrentThread() {
        return lock.isWriteLockedByCurrentThread();
    }
}
