package io.jadevectordb.engine;

import java.io.Closeable;
import java.io.IOException;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.jadevectordb.engine.io.Uninterruptibly;
import io.jadevectordb.engine.shard.Compaction;
import io.jadevectordb.engine.shard.Shard;

/**
 * The store's background compactor: one thread that compacts shards a commit found due
 * ({@link Shard#compactionDue}), one at a time, while their writers keep going
 * ({@link Compaction}). A failure is logged and leaves the shard as it was.
 */
final class Compactor implements Closeable {

    private static final Logger log = LoggerFactory.getLogger(Compactor.class);

    private final ExecutorService executor;
    /** Shards queued or being compacted, so a busy shard is not queued twice. */
    private final Set<Shard> queued = ConcurrentHashMap.newKeySet();

    Compactor(VectorStore store) {
        executor = Executors.newSingleThreadExecutor(runnable -> {
            Thread thread = new Thread(runnable, "jvdb-compactor-" + store.root().getFileName());
            thread.setDaemon(true);
            return thread;
        });
    }

    /** Queues {@code shard} for compaction if it is due and not queued already. */
    void offer(Shard shard) {
        if (!shard.compactionDue() || !queued.add(shard)) {
            return;
        }
        executor.execute(() -> {
            try {
                shard.compact();
            } catch (IOException | RuntimeException e) {
                if (!shard.closing()) {
                    log.warn("shard {}: background compaction failed ({}); the shard keeps its file", shard.name(), e.getMessage(), e);
                }
            } finally {
                queued.remove(shard);
            }
        });
    }

    /**
     * Stops compacting: a compaction in its copy is interrupted and leaves its shard as it was.
     * Waits for it to stop, uninterruptibly (an interrupt of the caller is kept for it): the
     * shards close next, and their locks must not go while a compaction still writes their files.
     */
    @Override
    public void close() {
        executor.shutdownNow();
        if (!Uninterruptibly.awaitTermination(executor, 60, TimeUnit.SECONDS)) {
            log.warn("the background compactor did not stop within 60 s");
        }
    }
}
