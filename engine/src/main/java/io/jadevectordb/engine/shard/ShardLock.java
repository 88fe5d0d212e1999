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
 * locked reader could have seen. A reader must expect torn values before it validates (stale
 * positions, swapped arrays) and turn any exception they cause into a retry under the read lock.
 * Optimistic reads in flight are counted, so that a writer frees memory such a reader may hold
 * (an unmapped buffer read would crash the JVM) only after {@link #awaitOptimisticReaders}.
 *
 * <p>The write lock is reentrant, and the sequence moves only at the outermost hold.
 */
final class ShardLock {

    private static final VarHandle SEQUENCE;
    private static final VarHandle IN_FLIGHT;

    static {
        try {
            SEQUENCE = MethodHandles.lookup().findVarHandle(ShardLock.class, "sequence", long.class);
            IN_FLIGHT = MethodHandles.lookup().findVarHandle(ShardLock.class, "inFlight", int.class);
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
    /** Optimistic reads between {@link #tryOptimisticRead} and {@link #endOptimisticRead}. */
    @SuppressWarnings("unused") // through IN_FLIGHT
    private volatile int inFlight;

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
        // Volatile: the odd sequence is visible before any change made after it, and before the count of
        // readers in flight is read (awaitOptimisticReaders).
        SEQUENCE.setVolatile(this, (long) SEQUENCE.getOpaque(this) + 1);
    }

    /**
     * Waits until no optimistic read that may have seen the state before this hold is still
     * reading: called under the write lock before memory such a reader may hold is freed (an
     * unmapped buffer read would crash the JVM). Makes the sequence odd first, so a read that
     * starts from now on goes to the read lock (which this holder blocks) instead; the reads in
     * flight are plain memory copies, so the wait is short. Without the write lock (a shard
     * released before any reader could see it) there is nothing to wait for.
     */
    void awaitOptimisticReaders() {
        if (!lock.isWriteLockedByCurrentThread()) {
            return;
        }
        changing();
        while ((int) IN_FLIGHT.getVolatile(this) != 0) {
            Thread.onSpinWait();
        }
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

    /**
     * A stamp to validate after an optimistic read, or 0 when a writer is changing things now
     * (read under the lock). A stamp counts the read as in flight until {@link #endOptimisticRead},
     * which the reader must call once it no longer touches what it read (whatever happened).
     */
    long tryOptimisticRead() {
        // Counted before the sequence is read (both volatile): a writer that made the sequence odd either sees
        // this read in flight, or this read sees the odd sequence and does not start.
        IN_FLIGHT.getAndAdd(this, 1);
        long s = (long) SEQUENCE.getVolatile(this);
        if ((s & 1) != 0) {
            IN_FLIGHT.getAndAdd(this, -1);
            return 0;
        }
        return s | Long.MIN_VALUE;
    }

    /** Ends an optimistic read begun with a non-zero stamp. */
    void endOptimisticRead() {
        IN_FLIGHT.getAndAdd(this, -1);
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
