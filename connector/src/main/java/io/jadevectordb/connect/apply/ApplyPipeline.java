package io.jadevectordb.connect.apply;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Overlaps applying with fetching: full batches are applied on one background thread while
 * Connect polls and converts the next records on the task thread.
 *
 * <p>At most one apply is in flight. The task thread waits for it before it starts the next one
 * or commits ({@link #finishInFlight}), and then acts on its outcome
 * itself (dead letters, metrics, the buffer, failures: see {@link BatchApplier#finish}), so the
 * background thread touches nothing but the engine, which is thread-safe. Offsets stay correct
 * without more: a commit first finishes the apply in flight, and the batch stays buffered until
 * it is applied whole. Before partitions are closed or the task stops, on failure paths too, the
 * task waits for it without acting on it ({@link #drain}), so no apply outlives a release.
 */
public final class ApplyPipeline implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ApplyPipeline.class);

    private final BatchApplier applier;
    private final ExecutorService thread;
    private Future<List<BatchApplier.Applied>> inFlight;

    public ApplyPipeline(BatchApplier applier, String threadName) {
        this.applier = applier;
        this.thread = Executors.newSingleThreadExecutor(task -> {
            Thread t = new Thread(task, threadName);
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Finishes the apply in flight, then starts applying what is buffered for {@code partitions}
     * in the background.
     *
     * @throws IOException the failure of the apply in flight (its batch stays buffered)
     */
    public void start(List<TopicPartition> partitions) throws IOException {
        finishInFlight();
        List<BatchApplier.Batch> batches = new ArrayList<>();
        for (TopicPartition tp : partitions) {
            BatchApplier.Batch batch = applier.take(tp);
            if (batch != null) {
                batches.add(batch);
            }
        }
        if (batches.isEmpty()) {
            return;
        }
        inFlight = thread.submit(() -> {
            List<BatchApplier.Applied> done = new ArrayList<>(batches.size());
            for (BatchApplier.Batch batch : batches) {
                BatchApplier.Applied applied = applier.run(batch);
                done.add(applied);
                if (applied.failure() != null) {
                    break; // later batches stay buffered and are applied after the retry of this one
                }
            }
            return done;
        });
    }

    /** True while a background apply has not been finished by the task thread. */
    boolean hasInFlight() {
        return inFlight != null;
    }

    /**
     * Waits for the apply in flight, if any, and acts on its outcome on this (the task's) thread.
     *
     * @return whether an apply was in flight and succeeded (false when none was): only then has
     *         the engine taken data, which is what ends a streak of I/O failures
     * @throws IOException the failure that stopped it; that batch and later ones stay buffered
     */
    public boolean finishInFlight() throws IOException {
        Future<List<BatchApplier.Applied>> running = inFlight;
        if (running == null) {
            return false;
        }
        List<BatchApplier.Applied> done;
        try {
            done = running.get();
        } catch (InterruptedException e) {
            // The apply goes on: it stays in flight, for the next finish or drain to wait for.
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting for the background apply");
        } catch (ExecutionException e) {
            inFlight = null;
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException runtime) {
                throw runtime;
            }
            if (cause instanceof Error error) {
                throw error;
            }
            throw new IllegalStateException("background apply failed", cause);
        }
        inFlight = null;
        for (BatchApplier.Applied applied : done) {
            applier.finish(applied);
        }
        return true;
    }

    /**
     * Waits for the apply in flight, if any, without acting on its outcome (its batch stays
     * buffered): before shards are released or closed, on every path, failures included, so no
     * apply runs on (or reopens) a shard after its release. An interrupt does not cut the wait
     * short, since the apply would go on regardless; it is restored when the apply has ended.
     */
    public void drain() {
        Future<List<BatchApplier.Applied>> running = inFlight;
        if (running == null) {
            return;
        }
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    running.get();
                    break;
                } catch (InterruptedException e) {
                    interrupted = true;
                } catch (ExecutionException e) {
                    log.warn("the background apply failed while its partitions were closed or the task stopped; its batch "
                            + "is replayed from the checkpoint", e.getCause());
                    break;
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
        inFlight = null;
    }

    /** Waits for the apply in flight without acting on it (the task is stopping, see {@link #drain}), then ends the thread. */
    @Override
    public void close() {
        drain();
        thread.shutdown();
    }
}
