package io.jadevectordb.engine;

import static io.jadevectordb.engine.io.Locks.inLock;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Predicate;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.jadevectordb.engine.shard.Shard;

/**
 * A store's open writable shards: a least-recently-used table of at most {@code maxOpen}
 * (keyed {@code database/shard file}), each with a pin count (a pinned shard is in use and is
 * never evicted), and what evictions left to know per source: which shards the limit closed,
 * and which sources lost a shard to a failed force.
 *
 * <p>Thread-safe, with one private lock. Lock order: the store's lock, then this one, then a
 * shard's lock. Pinning and unpinning take this lock only, so reads and writes of open shards
 * never wait for the store.
 *
 * <p>Eviction picks only idle shards whose records are all committed (closing one with
 * uncommitted records would discard them, see {@link Shard#close()}): a shard its source
 * has not committed stays open past the limit until it does. It takes them out of the table
 * under this lock but closes them outside it (a close writes a checkpoint and may write the
 * index snapshot: up to seconds at scale), on the thread whose unpin or open went beyond the
 * limit, so the rest of the store's work goes on meanwhile. Until its close ends such a shard
 * is <em>closing</em>: reopening, releasing, dropping or deleting it waits for the close, since
 * its file lock must go first and a second channel on a locked file in this JVM would drop
 * that lock.
 */
final class OpenShards {

    private static final Logger log = LoggerFactory.getLogger(OpenShards.class);
    private static final long UNPIN_TIMEOUT_SECONDS = 30;

    /** An open shard and how many callers are using it right now. */
    static final class Handle {
        final String key;
        final Shard shard;
        final SourcePartition source;
        /** Guarded by the table's lock. */
        private int pins;

        private Handle(String key, Shard shard, SourcePartition source) {
            this.key = key;
            this.shard = shard;
            this.source = source;
        }
    }

    private final String store;
    private final int maxOpen;
    private final ReentrantLock lock = new ReentrantLock();
    /** Signalled when a pin goes or an eviction's close ends, for {@link #awaitUnused} and {@link #awaitClosed}. */
    private final Condition unpinned = lock.newCondition();
    /** In access order, least recently used first. A failed shard stays (closed) until reopened. */
    private final LinkedHashMap<String, Handle> open = new LinkedHashMap<>(16, 0.75f, true);
    /** Per source, keys of shards the limit closed since they were last used. */
    private final Map<SourcePartition, Set<String>> evicted = new HashMap<>();
    /** Shards the limit took out of the table whose close has not ended yet, by key. */
    private final Map<String, Handle> closing = new HashMap<>();
    /** Sources with a shard that failed (its force did) and closed; their next commit fails. */
    private final Set<SourcePartition> failed = new HashSet<>();
    private boolean closed;

    /** {@code store} names the store in messages (its root directory). */
    OpenShards(String store, int maxOpen) {
        this.store = store;
        this.maxOpen = maxOpen;
    }

    /** Pins the shard under {@code key} if it is open here; null when it is not (the caller opens it). */
    Handle pin(String key) {
        return inLock(lock, () -> {
            ensureOpen();
            Handle handle = open.get(key);
            if (handle == null || !handle.shard.isOpen()) {
                return null;
            }
            handle.pins++;
            return handle;
        });
    }

    /**
     * Before the store opens the shard under {@code key} again: a failed one it replaces taints
     * its source, and the shard is in use again, no longer idle since its eviction.
     */
    void beforeReopen(String key, SourcePartition source) {
        inLock(lock, () -> {
            Handle stale = open.get(key);
            if (stale != null && stale.shard.isFailed()) {
                failed.add(source);
            }
            Set<String> keys = evicted.get(source);
            if (keys != null) {
                keys.remove(key);
            }
        });
    }

    /**
     * Adds a shard the store just opened, pinned. The store opens and adds under its own lock,
     * which keeps {@link #close} out, then calls {@link #evictBeyondLimit} once it let go of it.
     */
    Handle addPinned(String key, SourcePartition source, Shard shard) {
        return inLock(lock, () -> {
            Handle handle = new Handle(key, shard, source);
            handle.pins = 1;
            open.put(key, handle);
            return handle;
        });
    }

    /** Lets go of a pin, then closes what the limit evicts (outside this lock). */
    void unpin(Handle handle) {
        inLock(lock, () -> {
            handle.pins--;
            unpinned.signalAll();
        });
        evictBeyondLimit();
    }

    /** Whether an eviction is closing the shard under {@code key} now. */
    boolean isClosing(String key) {
        return inLock(lock, () -> closing.containsKey(key));
    }

    /**
     * Waits until no eviction is closing the shard under {@code key}: then its file lock is
     * released and it may be opened again. Uninterruptibly: a close ends within the time of a
     * checkpoint write and an index snapshot.
     */
    void awaitClosed(String key) {
        inLock(lock, () -> {
            while (closing.containsKey(key)) {
                unpinned.awaitUninterruptibly();
            }
        });
    }

    /** Waits (uninterruptibly) until every eviction's close in progress has ended: the store is closing. */
    void awaitEvictions() {
        inLock(lock, () -> {
            while (!closing.isEmpty()) {
                unpinned.awaitUninterruptibly();
            }
        });
    }

    /**
     * Pins every shard of {@code source}, for a commit.
     *
     * @throws ShardFailedException when one of its shards failed to force as it closed
     */
    List<Handle> pinSource(SourcePartition source) throws ShardFailedException {
        return inLock(lock, () -> {
            ensureOpen();
            if (failed.contains(source)) {
                throw new ShardFailedException("source " + source + ": a shard failed to force when it was closed; "
                        + "release the source and replay it from its checkpoint", null);
            }
            return pinWhere(h -> h.source.equals(source));
        });
    }

    /** Pins every open shard (the background flusher); none once the table is closed. */
    List<Handle> pinAll() {
        return inLock(lock, () -> closed ? List.<Handle>of() : pinWhere(h -> true));
    }

    private List<Handle> pinWhere(Predicate<Handle> matches) {
        List<Handle> pinned = new ArrayList<>();
        for (Handle handle : open.values()) {
            if (matches.test(handle)) {
                handle.pins++;
                pinned.add(handle);
            }
        }
        return pinned;
    }

    /** The shard under {@code key} if the table holds it (perhaps closed by a failure); null otherwise. Not pinned. */
    Shard get(String key) {
        return inLock(lock, () -> {
            Handle handle = open.get(key);
            return handle == null ? null : handle.shard;
        });
    }

    /**
     * Takes every matching shard out of the table, in one step so that none is pinned again,
     * for the caller to close ({@link #closeEach}); null, taking nothing, while one is in use.
     */
    List<Handle> removeIfUnused(Predicate<Handle> matches) {
        return inLock(lock, () -> {
            if (busy(matches) != null) {
                return null;
            }
            List<Handle> removed = new ArrayList<>();
            for (Iterator<Handle> it = open.values().iterator(); it.hasNext(); ) {
                Handle handle = it.next();
                if (matches.test(handle)) {
                    it.remove();
                    removed.add(handle);
                }
            }
            return removed;
        });
    }

    /**
     * Waits until no caller uses a matching shard: the flusher or a reader may hold one briefly.
     *
     * @param since when the caller began to wait ({@link System#nanoTime}); it gives up 30 s after
     * @throws IllegalStateException when one is still in use then, naming it and {@code what} was waiting
     */
    void awaitUnused(Predicate<Handle> matches, String what, long since) throws InterruptedIOException {
        inLock(lock, () -> {
            for (Handle busy = busy(matches); busy != null; busy = busy(matches)) {
                long left = since + TimeUnit.SECONDS.toNanos(UNPIN_TIMEOUT_SECONDS) - System.nanoTime();
                if (left <= 0) {
                    throw new IllegalStateException(what + ": shard " + busy.shard.name() + " is still in use (or closing) after "
                            + UNPIN_TIMEOUT_SECONDS + " s; stop using it first");
                }
                try {
                    unpinned.awaitNanos(left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new InterruptedIOException("interrupted while waiting for " + what + " to be unused");
                }
            }
        });
    }

    /** A matching shard in use, or being closed by an eviction (its lock is not released yet); null when none. */
    private Handle busy(Predicate<Handle> matches) {
        for (Handle handle : open.values()) {
            if (handle.pins > 0 && matches.test(handle)) {
                return handle;
            }
        }
        for (Handle handle : closing.values()) {
            if (matches.test(handle)) {
                return handle;
            }
        }
        return null;
    }

    /**
     * Closes shards taken out of the table, every one even when closing one fails: returns the
     * first failure with the others suppressed (null when all closed cleanly), and marks the
     * source of a shard that failed, as eviction does. A shard of the direct API
     * ({@link SourcePartition#LOCAL}) is committed first: its writes are their own source, with
     * nothing to replay them from.
     */
    IOException closeEach(List<Handle> handles, boolean released) {
        IOException failure = null;
        for (Handle handle : handles) {
            try {
                if (handle.source.equals(SourcePartition.LOCAL) && handle.shard.isOpen()) {
                    handle.shard.commitApplied();
                }
                handle.shard.close(released);
            } catch (IOException e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
            if (handle.shard.isFailed()) {
                inLock(lock, () -> failed.add(handle.source));
            }
        }
        return failure;
    }

    /** Takes (and forgets) the keys of the shards of {@code source} the limit closed since they were last used. */
    Set<String> takeEvicted(SourcePartition source) {
        return inLock(lock, () -> {
            Set<String> keys = evicted.remove(source);
            return keys == null ? Set.<String>of() : keys;
        });
    }

    /** Sources with a shard the limit closed since it was last used. */
    Set<SourcePartition> sourcesWithEvictions() {
        return inLock(lock, () -> Set.copyOf(evicted.keySet()));
    }

    /** Whether a shard of {@code source} failed (a force did) since the source was last released. */
    boolean hasFailed(SourcePartition source) {
        return inLock(lock, () -> failed.contains(source));
    }

    /** Forgets that a shard of {@code source} failed: the source was released, its next owner replays it. */
    void clearFailed(SourcePartition source) {
        inLock(lock, () -> failed.remove(source));
    }

    int size() {
        return inLock(lock, open::size);
    }

    /** Closes the table: takes every shard out, for the caller to close; nothing is pinned or added after. */
    List<Handle> close() {
        return inLock(lock, () -> {
            closed = true;
            List<Handle> all = new ArrayList<>(open.values());
            open.clear();
            return all;
        });
    }

    boolean isClosed() {
        return inLock(lock, () -> closed);
    }

    /** Tests: drops every open shard without forcing or checkpointing anything, as a crash leaves the files. */
    void releaseAllQuietly() {
        inLock(lock, () -> {
            open.values().forEach(h -> h.shard.releaseQuietly());
            open.clear();
        });
    }

    /**
     * Closes the least recently used idle, committed shards beyond the limit. The caller holds
     * none of the store's locks: the closes run on its thread, outside this lock.
     */
    void evictBeyondLimit() {
        for (Handle handle : inLock(lock, this::takeEvictable)) {
            try {
                handle.shard.close();
            } catch (IOException | RuntimeException e) {
                log.error("shard {}: closing on eviction failed; the next commit of source {} will fail",
                        handle.shard.name(), handle.source, e);
            } finally {
                inLock(lock, () -> {
                    closing.remove(handle.key);
                    if (handle.shard.isFailed()) {
                        failed.add(handle.source);
                    } else {
                        evicted.computeIfAbsent(handle.source, k -> new HashSet<>()).add(handle.key);
                    }
                    unpinned.signalAll();
                });
            }
        }
    }

    /** Takes the shards to evict out of the table, marked closing: idle ones with nothing uncommitted, least recently used first. */
    private List<Handle> takeEvictable() {
        List<Handle> taken = new ArrayList<>();
        int excess = open.size() - maxOpen;
        for (Iterator<Handle> it = open.values().iterator(); excess > 0 && it.hasNext(); ) {
            Handle handle = it.next();
            if (handle.pins > 0 || handle.shard.hasUncommitted()) {
                continue;
            }
            it.remove();
            closing.put(handle.key, handle);
            taken.add(handle);
            excess--;
        }
        return taken;
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("store " + store + " is closed");
        }
    }
}
