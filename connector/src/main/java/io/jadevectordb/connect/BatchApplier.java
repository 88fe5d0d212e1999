package io.jadevectordb.connect;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.jadevectordb.connect.VectorSinkConfig.UpdateMissingPolicy;
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
 */
final class BatchApplier {

    private static final Logger log = LoggerFactory.getLogger(BatchApplier.class);

    private final VectorStore store;
    private final PartitionBuffers buffers;
    private final DatabaseCatalog catalog;
    private final ErrantRecordRouter errant;
    private final UpdateMissingPolicy updateMissingPolicy;
    private final SinkMetrics metrics;

    BatchApplier(VectorStore store, PartitionBuffers buffers, DatabaseCatalog catalog, ErrantRecordRouter errant,
                 UpdateMissingPolicy updateMissingPolicy, SinkMetrics metrics) {
        this.store = store;
        this.buffers = buffers;
        this.catalog = catalog;
        this.errant = errant;
        this.updateMissingPolicy = updateMissingPolicy;
        this.metrics = metrics;
    }

    /** Applies everything buffered for {@code partition}. */
    void apply(TopicPartition partition) throws IOException {
        Map<String, List<RoutedMutation>> groups = buffers.pendingByDatabase(partition);
        if (groups.isEmpty()) {
            return;
        }
        SourcePartition source = KafkaPosition.source(partition);
        // Databases are applied one after another, so for a moment one holds later offsets than
        // another: safe, because only the partition's commit (after all of them) moves a checkpoint.
        for (Map.Entry<String, List<RoutedMutation>> group : groups.entrySet()) {
            applyGroup(group.getKey(), source, group.getValue());
        }
        buffers.applied(partition);
    }

    private void applyGroup(String database, SourcePartition source, List<RoutedMutation> routed) throws IOException {
        List<Mutation> batch = new ArrayList<>(routed.size());
        long bytes = 0;
        for (RoutedMutation r : routed) {
            batch.add(r.mutation());
            bytes += r.mutation().vector() == null ? 0 : 4L * r.mutation().vector().length;
        }
        List<Mutation.Outcome> outcomes;
        try {
            outcomes = store.apply(database, source, batch);
        } catch (InvalidMutationException e) {
            // Each mutation was checked when it was buffered, so this is unexpected: find the
            // culprit by applying one at a time (re-applying the ones before it is a no-op).
            log.warn("database {}: a buffered batch from {} was refused ({}); applying it one mutation at a time",
                    database, source, e.getMessage());
            outcomes = applyOneByOne(database, source, routed);
        }
        for (int i = 0; i < outcomes.size(); i++) {
            onOutcome(routed.get(i), outcomes.get(i));
        }
        metrics.batch(bytes);
    }

    private List<Mutation.Outcome> applyOneByOne(String database, SourcePartition source, List<RoutedMutation> routed)
            throws IOException {
        List<Mutation.Outcome> outcomes = new ArrayList<>(routed.size());
        for (RoutedMutation r : routed) {
            try {
                outcomes.add(store.apply(database, source, List.of(r.mutation())).get(0));
            } catch (InvalidMutationException e) {
                errant.reject(r.record(), catalog.asRecordError(r, e));
                outcomes.add(null);
            }
        }
        return outcomes;
    }

    private void onOutcome(RoutedMutation routed, Mutation.Outcome outcome) {
        if (outcome == null) {
            return;
        }
        Mutation mutation = routed.mutation();
        switch (outcome) {
            case APPLIED -> metrics.applied(mutation.op());
            case SKIPPED_STALE -> metrics.skipped();
            case NOT_FOUND -> {
                if (mutation.op() == Mutation.Op.UPDATE && updateMissingPolicy == UpdateMissingPolicy.REJECT) {
                    errant.reject(routed.record(), new InvalidRecordException(routed.position(), "id",
                            mutation.id(), "UPDATE of an id that database '" + routed.database() + "' does not hold",
                            "send STORE to create it, or set update.missing.policy=upsert or ignore"));
                } else {
                    log.debug("{}: {} of missing id '{}' in database {} changed nothing", routed.position(),
                            mutation.op(), mutation.id(), routed.database());
                    metrics.skipped();
                }
            }
            default -> throw new IllegalStateException("unknown outcome " + outcome);
        }
    }
}
