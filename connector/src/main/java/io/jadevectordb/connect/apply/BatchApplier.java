package io.jadevectordb.connect.apply;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.errors.ConnectException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.jadevectordb.connect.SinkMetrics;
import io.jadevectordb.connect.offsets.KafkaPosition;
import io.jadevectordb.engine.InvalidMutationException;
import io.jadevectordb.engine.Mutation;
import io.jadevectordb.engine.SourcePartition;
import io.jadevectordb.engine.VectorStore;

/**
 * Applies a partition's buffered mutations to its shards, one engine call per database, in
 * Kafka order, and acts on the outcomes (an UPDATE of a missing id per
 * {@code update.missing.policy}). The buffer is dropped only when all of it was applied; after
 * an I/O error it stays, and applying it again is harmless because the engine skips mutations
 * at or below the offset that last wrote their id.
 *
 * <p>In three steps, so that the engine work can run on another thread ({@link ApplyPipeline}):
 * {@link #take} and {@link #finish} on the task thread, {@link #run} anywhere.
 */
public final class BatchApplier {

    private static final Logger log = LoggerFactory.getLogger(BatchApplier.class);

    private final VectorStore store;
    private final PartitionBuffers buffers;
    private final DatabaseCatalog catalog;
    private final ErrantRecordRouter errant;
    private final IoRetryWindow retryWindow;
    private final SinkMetrics metrics;

    public BatchApplier(VectorStore store, PartitionBuffers buffers, DatabaseCatalog catalog, ErrantRecordRouter errant,
                 IoRetryWindow retryWindow, SinkMetrics metrics) {
        this.store = store;
        this.buffers = buffers;
        this.catalog = catalog;
        this.errant = errant;
        this.retryWindow = retryWindow;
        this.metrics = metrics;
    }

    /** The first {@code count} buffered mutations of a partition, grouped by database, taken for one apply. */
    record Batch(TopicPartition partition, int count, Map<String, List<RoutedMutation>> groups) {
    }

    /**
     * What applying a batch did: per database, the mutations and their outcomes (null for one
     * the engine refused, with its error in {@code refused}); or the I/O failure that stopped it.
     */
    record Applied(Batch batch, List<Group> groups, IOException failure) {
    }

    record Group(List<RoutedMutation> routed, List<Mutation.Outcome> outcomes, Map<Integer, InvalidMutationException> refused,
                 long bytes) {
    }

    /** Applies everything buffered for {@code partition}, on the calling (task) thread. */
    void apply(TopicPartition partition) throws IOException {
        Batch batch = take(partition);
        if (batch != null) {
            finish(run(batch));
        }
    }

    /** Applies everything buffered for {@code partition}, batch after batch, on the calling (task) thread. */
    public void applyAll(TopicPartition partition) throws IOException {
        while (buffers.pendingCount(partition) > 0) {
            apply(partition); // each round drops at least one mutation, or throws
        }
    }

    /**
     * Takes what is buffered for {@code partition} (task thread), or null when nothing is.
     *
     * <p>Nothing that follows a reported bad record is applied before its dead letter is written
     * (this waits for it): applied and then kept by a clean close, a later write of the same id
     * would make a replayed UPDATE of it stale instead of rejected, and the record would vanish
     * if its dead letter were lost. For the same reason, under {@code update.missing.policy=reject}
     * a batch ends at an UPDATE whose id the batch writes again later: whether it is rejected is
     * known only once it is applied, and nothing after it may be applied before that.
     */
    Batch take(TopicPartition partition) {
        if (errant.hasPending()) {
            errant.awaitReported();
        }
        int count = batchLength(buffers.pending(partition));
        return count == 0 ? null : new Batch(partition, count, buffers.pendingByDatabase(partition, count));
    }

    private int batchLength(List<RoutedMutation> pending) {
        Map<String, Integer> lastWrite = null;
        for (int i = 0; i < pending.size(); i++) {
            RoutedMutation routed = pending.get(i);
            if (!catalog.rejectsUpdateOfMissing(routed)) {
                continue;
            }
            if (lastWrite == null) {
                lastWrite = new HashMap<>();
                for (int j = 0; j < pending.size(); j++) {
                    lastWrite.put(idKey(pending.get(j)), j);
                }
            }
            if (lastWrite.get(idKey(routed)) > i) {
                return i + 1;
            }
        }
        return pending.size();
    }

    private static String idKey(RoutedMutation routed) {
        return routed.database() + '\u0000' + routed.mutation().id();
    }

    /**
     * Applies a batch to the engine. Touches nothing but the store, so it may run on another
     * thread than the task's; an I/O failure is returned with the groups applied before it.
     */
    Applied run(Batch batch) {
        SourcePartition source = KafkaPosition.source(batch.partition());
        List<Group> done = new ArrayList<>();
        // Databases are applied one after another, so for a moment one holds later offsets than
        // another: safe, because only the partition's commit (after all of them) moves a checkpoint.
        try {
            for (Map.Entry<String, List<RoutedMutation>> group : batch.groups().entrySet()) {
                done.add(runGroup(group.getKey(), source, group.getValue()));
            }
        } catch (IOException e) {
            return new Applied(batch, done, e);
        }
        return new Applied(batch, done, null);
    }

    private Group runGroup(String database, SourcePartition source, List<RoutedMutation> routed) throws IOException {
        List<Mutation> batch = new ArrayList<>(routed.size());
        long bytes = 0;
        for (RoutedMutation r : routed) {
            batch.add(r.mutation());
            bytes += 4L * r.mutation().vectorLength();
        }
        try {
            return new Group(routed, store.apply(database, source, batch), Map.of(), bytes);
        } catch (InvalidMutationException e) {
            // Each mutation was checked when it was buffered, so this is unexpected: find the
            // culprit by applying one at a time (re-applying the ones before it is a no-op).
            log.warn("database {}: a buffered batch from {} was refused ({}); applying it one mutation at a time",
                    database, source, e.getMessage());
            List<Mutation.Outcome> outcomes = new ArrayList<>(routed.size());
            Map<Integer, InvalidMutationException> refused = new HashMap<>();
            for (RoutedMutation r : routed) {
                try {
                    outcomes.add(store.apply(database, source, List.of(r.mutation())).get(0));
                } catch (InvalidMutationException invalid) {
                    refused.put(outcomes.size(), invalid);
                    outcomes.add(null);
                }
            }
            return new Group(routed, outcomes, refused, bytes);
        }
    }

    /**
     * Acts on what {@link #run} did, on the task thread: dead letters, metrics, and the buffer
     * dropped when the whole batch was applied. After an I/O failure it only throws: the batch
     * stays buffered, applying it again is harmless, and its outcomes (a dead-lettered UPDATE of
     * a missing id, for one) are acted on once, when it is applied whole. A batch applied whole
     * ends its partition's streak of I/O failures, and only its partition's.
     *
     * @throws PartitionIoException the I/O failure that stopped the batch, naming its partition
     */
    void finish(Applied applied) throws IOException {
        TopicPartition partition = applied.batch().partition();
        if (applied.failure() != null) {
            throw new PartitionIoException(partition, applied.failure());
        }
        // Counted here and recorded once per batch: a sensor update reads the clock.
        int[] appliedByOp = new int[Mutation.Op.values().length];
        int[] skipped = new int[1];
        for (Group group : applied.groups()) {
            boolean anyRefused = !group.refused().isEmpty();
            for (int i = 0; i < group.outcomes().size(); i++) {
                RoutedMutation routed = group.routed().get(i);
                InvalidMutationException refused = anyRefused ? group.refused().get(i) : null;
                if (refused != null && routed.record() == null) {
                    // Checked when buffered, so the database changed since (dropped and recreated
                    // by hand?). The record was not kept, so it cannot be dead-lettered: fail loudly.
                    throw errant.failTask(new ConnectException("JadeVectorDB sink: the mutation at " + routed.position()
                            + " passed the checks when it was buffered but database '" + routed.database()
                            + "' refused it when applied: " + refused.getMessage() + ". Was the database dropped or "
                            + "recreated while the connector ran? The task stops; it meets the record again when "
                            + "restarted, and rejects it per errors.tolerance", refused));
                }
                if (refused != null) {
                    errant.reject(routed.record(), catalog.asRecordError(routed, refused));
                } else {
                    onOutcome(routed, group.outcomes().get(i), appliedByOp, skipped);
                }
            }
            metrics.batch(group.bytes());
        }
        for (Mutation.Op op : Mutation.Op.values()) {
            metrics.applied(op, appliedByOp[op.ordinal()]);
        }
        metrics.skipped(skipped[0]);
        buffers.applied(partition, applied.batch().count());
        // Only an apply that finished ends the window: starting one proves nothing, and a
        // success of another partition says nothing of this one's locked shard or full disk.
        retryWindow.succeeded(partition);
    }

    private void onOutcome(RoutedMutation routed, Mutation.Outcome outcome, int[] appliedByOp, int[] skipped) {
        if (outcome == null) {
            return;
        }
        Mutation mutation = routed.mutation();
        switch (outcome) {
            case APPLIED -> appliedByOp[mutation.op().ordinal()]++;
            case SKIPPED_STALE -> skipped[0]++;
            case NOT_FOUND -> {
                if (catalog.rejectsUpdateOfMissing(routed)) {
                    errant.reject(routed.record(), catalog.updateOfMissingId(routed, true));
                } else {
                    log.debug("{}: {} of missing id '{}' in database {} changed nothing", routed.position(),
                            mutation.op(), mutation.id(), routed.database());
                    skipped[0]++;
                }
            }
            default -> throw new IllegalStateException("unknown outcome " + outcome);
        }
    }
}
