package io.jadevectordb.connect.apply;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.errors.RetriableException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.jadevectordb.connect.SinkMetrics;
import io.jadevectordb.connect.offsets.KafkaPosition;
import io.jadevectordb.engine.SourcePartition;
import io.jadevectordb.engine.VectorStore;

/**
 * What {@code preCommit} does, in one place: for each partition, apply what is buffered, make
 * it durable with the engine's commit (force, then checkpoint the partition's last offset in
 * every shard it feeds), and hand back to Connect only offsets that are now durable.
 *
 * <p>Dead letters come before checkpoints: every bad record reported so far must be written to
 * the dead letter queue before any checkpoint moves; if one cannot be, or a bad record failed
 * the task ({@code errors.tolerance=none}), nothing more is committed by this task.
 *
 * <p>A partition whose apply or commit fails is left out of the returned offsets, so Connect
 * keeps its previous committed offset; the failure is kept for the next {@code put()} to raise
 * (preCommit cannot fail a task: Connect only logs and rewinds).
 */
public final class CommitCoordinator {

    private static final Logger log = LoggerFactory.getLogger(CommitCoordinator.class);

    private final VectorStore store;
    private final PartitionBuffers buffers;
    private final BatchApplier applier;
    private final ApplyPipeline pipeline;
    private final IoRetryWindow retryWindow;
    private final ErrantRecordRouter errant;
    private final SinkMetrics metrics;
    private RuntimeException pendingFailure;

    public CommitCoordinator(VectorStore store, PartitionBuffers buffers, BatchApplier applier, ApplyPipeline pipeline,
                      IoRetryWindow retryWindow, ErrantRecordRouter errant, SinkMetrics metrics) {
        this.store = store;
        this.buffers = buffers;
        this.applier = applier;
        this.pipeline = pipeline;
        this.retryWindow = retryWindow;
        this.errant = errant;
        this.metrics = metrics;
    }

    /**
     * Makes {@code partitions} durable and returns their durable offsets (the next offset to
     * read, in the original topic partitions' terms). Partitions that could not be made durable
     * now keep their earlier durable offset, or are absent when they have none.
     */
    public Map<TopicPartition, OffsetAndMetadata> commit(Collection<TopicPartition> partitions) {
        if (errant.failure() != null) {
            // The task failed on a bad record (or on its dead letter): moving any checkpoint now
            // could pass that record, and the restarted task would neither fail on it nor report it.
            log.warn("not committing {}: the task failed ({}); it resumes from the shards' last checkpoints",
                    partitions, errant.failure().getMessage());
            return Map.of();
        }
        long start = System.nanoTime();
        try {
            // The background apply (if any) ends first; a batch it could not apply is still
            // buffered, and each partition's apply below applies it again.
            pipeline.finishInFlight();
        } catch (IOException e) {
            RuntimeException outcome = retryWindow.handle(e, "background apply before a commit");
            if (!(outcome instanceof RetriableException)) {
                keep(outcome);
            }
        } catch (ConnectException e) {
            keep(e);
        }
        List<TopicPartition> applied = new ArrayList<>();
        for (TopicPartition tp : partitions) {
            if (!buffers.partitions().contains(tp) || retryWindow.failedForGood(tp)) {
                // A partition whose shard failed keeps its last durable offset: what it applied since is lost.
                continue;
            }
            try {
                applier.applyAll(tp);
                applied.add(tp);
            } catch (IOException e) {
                onIoFailure(e, tp);
            } catch (ConnectException e) {
                keep(e);
            }
        }
        try {
            // Before any checkpoint moves: a checkpoint past a rejected record whose dead letter
            // is lost would make the record vanish (replay starts after it).
            errant.awaitReported();
        } catch (ConnectException e) {
            keep(e);
            return Map.of();
        }
        if (errant.failure() != null) {
            return Map.of(); // a bad record failed the task during the apply above
        }
        for (TopicPartition tp : applied) {
            try {
                commitPartition(tp);
            } catch (IOException e) {
                onIoFailure(e, tp);
            }
        }
        metrics.commitLatency((System.nanoTime() - start) / 1_000_000);
        Map<TopicPartition, OffsetAndMetadata> durable = new HashMap<>();
        buffers.durableNextOffsets(partitions).forEach((tp, next) -> durable.put(tp, new OffsetAndMetadata(next)));
        return durable;
    }

    private void onIoFailure(IOException e, TopicPartition tp) {
        RuntimeException outcome = retryWindow.handle(tp, e, "commit");
        if (outcome instanceof RetriableException) {
            log.warn("{}: not committed this time; its Kafka offset stays at the last durable one", tp);
        } else {
            keep(outcome);
        }
    }

    private void commitPartition(TopicPartition tp) throws IOException {
        if (!buffers.needsCommit(tp)) {
            return;
        }
        long lastOffset = buffers.lastSeen(tp);
        SourcePartition source = KafkaPosition.source(tp);
        long start = System.nanoTime();
        store.commit(source, lastOffset);
        metrics.forceLatency((System.nanoTime() - start) / 1_000_000);
        buffers.committed(tp, lastOffset);
        // A commit that worked ends the partition's streak of I/O failures, as a whole applied batch
        // does: else a failed commit (a new database's link, say) left the window open after it.
        retryWindow.succeeded(tp);
        log.debug("{}: durable through offset {}", tp, lastOffset);
    }

    private void keep(RuntimeException failure) {
        if (failure == pendingFailure) {
            return; // the same failure met again (a bad record's, at each step): it is kept already
        }
        if (pendingFailure == null) {
            pendingFailure = failure;
        } else {
            pendingFailure.addSuppressed(failure);
        }
        log.error("commit failed; the task fails on its next put", failure);
    }

    /** Throws the failure a commit kept for the task thread, if any. */
    public void throwPendingFailure() {
        RuntimeException failure = pendingFailure;
        if (failure != null) {
            pendingFailure = null;
            throw failure;
        }
    }
}
