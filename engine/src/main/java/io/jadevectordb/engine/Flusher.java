package io.jadevectordb.engine;

import java.io.Closeable;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.jadevectordb.engine.io.Uninterruptibly;

/**
 * Forces dirty pages of open shards in the background, so that a commit finds little left to
 * force and its latency stays flat. It never writes a checkpoint: only a commit says what is
 * durable. A failed force marks the shard failed; the next commit on it reports the failure.
 */
final class Flusher implements Closeable {

    private static final Logger log = LoggerFactory.getLogger(Flusher.class);

    private final ScheduledExecutorService executor;

    Flusher(VectorStore store, Duration interval) {
        executor = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "jvdb-flusher-" + store.root().getFileName());
            thread.setDaemon(true);
            return thread;
        });
        long millis = Math.max(1, interval.toMillis());
        executor.scheduleWithFixedDelay(() -> {
            try {
                store.forceOpenShards();
            } catch (RuntimeException e) {
                log.error("background flush of store {} failed", store.root(), e);
            }
        }, millis, millis, TimeUnit.MILLISECONDS);
    }

    /**
     * Stops flushing: lets a force in progress finish (uninterruptibly; an interrupt of the caller
     * is kept for it). Never interrupts the flusher: an interrupted force throws
     * {@code ClosedByInterruptException}, closes the shard's channel and fails the shard.
     */
    @Override
    public void close() {
        executor.shutdown();
        if (!Uninterruptibly.awaitTermination(executor, 30, TimeUnit.SECONDS)) {
            log.warn("the background flusher did not finish its force within 30 s; closing the shards waits for it");
        }
    }
}
