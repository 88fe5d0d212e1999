package io.jadevectordb.connect;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.errors.RetriableException;
import org.apache.kafka.connect.sink.ErrantRecordReporter;
import org.apache.kafka.connect.sink.SinkRecord;
import org.apache.kafka.connect.sink.SinkTask;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.jadevectordb.connect.apply.ApplyPipeline;
import io.jadevectordb.connect.apply.BatchApplier;
import io.jadevectordb.connect.apply.CommitCoordinator;
import io.jadevectordb.connect.apply.DatabaseCatalog;
import io.jadevectordb.connect.apply.ErrantRecordRouter;
import io.jadevectordb.connect.apply.InvalidRecordException;
import io.jadevectordb.connect.apply.IoRetryWindow;
import io.jadevectordb.connect.apply.PartitionBuffers;
import io.jadevectordb.connect.apply.RecordMapper;
import io.jadevectordb.connect.apply.RoutedMutation;
import io.jadevectordb.connect.offsets.KafkaPosition;
import io.jadevectordb.connect.offsets.OffsetResetJournal;
import io.jadevectordb.connect.offsets.RestoreProgress;
import io.jadevectordb.connect.offsets.ResumeCheck;
import io.jadevectordb.engine.StoreOptions;
import io.jadevectordb.engine.StoreOwnedException;
import io.jadevectordb.engine.VectorStore;

/**
 * One sink task: maps records to mutations, buffers them per partition in Kafka order, applies
 * them in batches, and at each offset commit returns only offsets whose mutations are durable.
 *
 * <p>Data path: {@link #put} -> {@link RecordMapper} -> {@link DatabaseCatalog} (checks) ->
 * {@link PartitionBuffers} -> {@link ApplyPipeline} (full batches, on a background thread) ->
 * {@link BatchApplier} -> {@link #preCommit} ->
 * {@link CommitCoordinator} -> engine commit (force, then checkpoint) -> offsets returned.
 */
public class VectorSinkTask extends SinkTask {

    private static final Logger log = LoggerFactory.getLogger(VectorSinkTask.class);
    /** Numbers the background apply threads of the tasks in this worker. */
    private static final AtomicInteger PIPELINES = new AtomicInteger();
    /** Connect's key for the client id of the connector's consumers, which its consumer metrics are tagged with. */
    static final String CONSUMER_CLIENT_ID_OVERRIDE = "consumer.override.client.id";

    private VectorSinkConfig config;
    private VectorStore store;
    private RecordMapper mapper;
    private PartitionBuffers buffers;
    private DatabaseCatalog catalog;
    private ErrantRecordRouter errant;
    private BatchApplier applier;
    private ApplyPipeline pipeline;
    private CommitCoordinator coordinator;
    private IoRetryWindow retryWindow;
    private SinkMetrics metrics;
    private ResumeCheck resumeCheck;
    private RestoreProgress restores;
    private OffsetResetJournal resets;
    /** Resets (and rebuilds) carried out whose start no durable checkpoint covers yet: their journal entry stays until one does. */
    private final Map<TopicPartition, Long> resetsToSettle = new HashMap<>();
    /** Read by the metrics thread too. */
    private final Set<TopicPartition> pausedForMemory = ConcurrentHashMap.newKeySet();

    @Override
    public String version() {
        return SinkVersion.VERSION;
    }

    @Override
    public void start(Map<String, String> props) {
        config = new VectorSinkConfig(props);
        String connector = props.get("name");
        try {
            // The connector owns its data.dir: sources are keyed by topic and partition, so a second connector would mix in.
            store = VectorStore.open(config.dataDir(), storeOptions(config), connector == null ? null : "connector " + connector);
        } catch (StoreOwnedException e) {
            throw new ConnectException("JadeVectorDB sink: " + e.getMessage() + " (" + VectorSinkConfig.DATA_DIR_CONFIG + ")", e);
        } catch (IOException e) {
            throw new ConnectException("JadeVectorDB sink: cannot open the store at " + config.dataDir() + " ("
                    + VectorSinkConfig.DATA_DIR_CONFIG + "): " + e.getMessage()
                    + "; check that the directory exists or can be created and is writable by the worker", e);
        }
        resets = new OffsetResetJournal(config.dataDir());
        metrics = SinkMetrics.register(context, store::openShardCount, pausedForMemory::size);
        mapper = new RecordMapper(config);
        buffers = new PartitionBuffers(config.batchSize());
        catalog = new DatabaseCatalog(store, config);
        errant = new ErrantRecordRouter(props, errantRecordReporter(), metrics);
        retryWindow = new IoRetryWindow(config.ioRetryTimeoutMs(), metrics);
        applier = new BatchApplier(store, buffers, catalog, errant, retryWindow, metrics);
        pipeline = new ApplyPipeline(applier, "jadevectordb-apply-" + props.getOrDefault("name", "sink") + "-"
                + PIPELINES.incrementAndGet());
        coordinator = new CommitCoordinator(store, buffers, applier, pipeline, retryWindow, errant, metrics);
        String clientId = props.get(CONSUMER_CLIENT_ID_OVERRIDE);
        resumeCheck = new ResumeCheck(RestoreProgress.consumerMetric(props.getOrDefault("name", ""), clientId, "records-lead"));
        restores = new RestoreProgress(RestoreProgress.consumerLag(props.getOrDefault("name", ""), clientId),
                System::currentTimeMillis, metrics);
        log.info("JadeVectorDB sink task started on {}", store.root());
    }

    private ErrantRecordReporter errantRecordReporter() {
        try {
            return context.errantRecordReporter();
        } catch (NoSuchMethodError | NoClassDefFoundError olderWorker) {
            return null;
        }
    }

    @Override
    public void open(Collection<TopicPartition> partitions) {
        Map<TopicPartition, Long> seeks = new HashMap<>();
        for (TopicPartition tp : partitions) {
            OptionalLong reset = carryOutReset(tp);
            if (reset.isPresent()) {
                buffers.open(tp, -1);
                restores.started(tp);
                seeks.put(tp, Math.max(0, reset.getAsLong()));
                continue;
            }
            OptionalLong checkpoint;
            try {
                checkpoint = store.resume(KafkaPosition.source(tp));
            } catch (IOException e) {
                throw new ConnectException("JadeVectorDB sink: cannot read the checkpoint of " + tp + " in "
                        + store.root() + ": " + e.getMessage()
                        + "; move the damaged shard files aside to rebuild them by replay", e);
            }
            if (checkpoint.isPresent()) {
                long last = checkpoint.getAsLong();
                buffers.open(tp, last);
                seeks.put(tp, last + 1);
                if (last >= 0) {
                    resumeCheck.resumed(tp, last);
                }
                log.info("{}: resuming at offset {} (shard checkpoint {})", tp, last + 1, last);
            } else {
                buffers.open(tp, -1);
                restores.started(tp);
                if (config.replayFromEarliest()) {
                    seeks.put(tp, 0L);
                    log.info("{}: no shard in {}: replaying from the earliest offset", tp, store.root());
                } else {
                    log.info("{}: no shard in {}: resuming from the committed offset ({}=false)", tp, store.root(),
                            VectorSinkConfig.REPLAY_FROM_EARLIEST_CONFIG);
                }
            }
        }
        context.offset(seeks);
    }

    /**
     * Carries out an offset reset recorded through the REST API: drops the partition's local
     * state, then forgets the reset. Returns the offset to replay from
     * ({@link OffsetResetJournal#EARLIEST_OFFSET} for the earliest), or empty when none is pending.
     */
    private OptionalLong carryOutReset(TopicPartition tp) {
        try {
            OptionalLong reset = resets.pending(tp);
            if (reset.isPresent()) {
                dropLocalState(tp);
                // Kept until a checkpoint at the new start is durable: a crash before would otherwise replay from 0.
                resetsToSettle.put(tp, Math.max(0, reset.getAsLong()));
                log.warn("{}: offset reset through the REST API: dropped its local state in {}; replaying from {}", tp,
                        store.root(), reset.getAsLong() == OffsetResetJournal.EARLIEST_OFFSET ? "the earliest offset"
                                : "offset " + reset.getAsLong());
            }
            return reset;
        } catch (IOException e) {
            throw new ConnectException("JadeVectorDB sink: cannot carry out the offset reset of " + tp + " recorded in "
                    + resets.directory() + ": " + e.getMessage() + "; fix the cause and restart the task (the reset "
                    + "is kept until it is carried out)", e);
        }
    }

    /**
     * Forgets, durably, each reset carried out whose partition now has a durable checkpoint at or
     * past the reset's start (resuming from it no longer undoes the reset); until then its
     * journal entry makes every restart drop and replay from the same start again.
     */
    private void settleResets(Collection<TopicPartition> partitions) {
        for (TopicPartition tp : partitions) {
            Long start = resetsToSettle.get(tp);
            if (start == null) {
                continue;
            }
            try {
                OptionalLong checkpoint = store.checkpoint(KafkaPosition.source(tp));
                if (checkpoint.isPresent() && checkpoint.getAsLong() >= start - 1) {
                    resets.done(tp);
                    resetsToSettle.remove(tp);
                }
            } catch (IOException e) {
                log.warn("{}: cannot forget its offset reset to {} in {} yet ({}); the next start carries it out again",
                        tp, start, resets.directory(), e.getMessage());
            }
        }
    }

    /**
     * Drops the partition's shards in every database: it starts again from nothing, and every
     * mutation of it from here on is applied.
     */
    private void dropLocalState(TopicPartition tp) throws IOException {
        store.dropSource(KafkaPosition.source(tp));
        store.resume(KafkaPosition.source(tp));
    }

    @Override
    public void put(Collection<SinkRecord> records) {
        coordinator.throwPendingFailure();
        for (KafkaPosition first : resumeCheck.check(records, config.dataDir().toString(),
                config.recreatedTopicBehavior() == VectorSinkConfig.RecreatedTopicBehavior.REBUILD)) {
            rebuildRecreated(first);
        }
        for (SinkRecord record : records) {
            KafkaPosition position = KafkaPosition.of(record);
            restores.delivered(position.partition(), position.offset());
            if (!buffers.isNew(position)) {
                continue; // redelivered after a RetriableException or a rewind: already handled
            }
            try {
                Optional<RoutedMutation> routed = mapper.map(record);
                if (routed.isPresent() && catalog.prepare(routed.get())) {
                    buffers.add(routed.get());
                } else if (routed.isPresent() && catalog.rejectsUpdateOfMissing(routed.get())) {
                    errant.reject(record, catalog.updateOfMissingId(routed.get(), false));
                    buffers.markSeen(position);
                } else {
                    metrics.skipped();
                    buffers.markSeen(position);
                }
            } catch (InvalidRecordException e) {
                errant.reject(record, e);
                buffers.markSeen(position);
            } catch (IOException e) {
                throw retryWindow.handle(position.partition(), e, "preparing the database of the record at " + position);
            }
        }
        applyWhatIsDue();
        restores.report();
        resumeCheck.handled();
    }

    /**
     * The partition's log no longer holds what its checkpoint assumes (a recreated topic, or
     * records deleted before they were applied) and {@code recreated.topic.behavior=rebuild}:
     * drops its local state so that it is rebuilt from {@code first}, its first record since the
     * resume (nothing of it is buffered yet).
     */
    private void rebuildRecreated(KafkaPosition first) {
        TopicPartition tp = first.partition();
        try {
            // Journalled like a reset: a crash before the first commit must not resume from elsewhere.
            resets.record(Map.of(tp, first.offset()));
            dropLocalState(tp);
            resetsToSettle.put(tp, first.offset());
        } catch (IOException e) {
            throw new ConnectException("JadeVectorDB sink: " + tp + ": cannot drop its local state in " + store.root()
                    + " to rebuild it from the recreated topic (" + VectorSinkConfig.RECREATED_TOPIC_BEHAVIOR_CONFIG
                    + "=rebuild): " + e.getMessage() + "; fix the cause and restart the task", e);
        }
        buffers.close(tp);
        buffers.open(tp, -1);
        restores.started(tp);
        log.warn("{}: its log no longer holds what its shard checkpoint assumes (recreated, replaced, or records deleted "
                + "before they were applied; first record since the resume at offset {}): dropped the partition's local "
                + "state in {} and rebuilding it from there ({}=rebuild)", tp, first.offset(), store.root(),
                VectorSinkConfig.RECREATED_TOPIC_BEHAVIOR_CONFIG);
    }

    private void applyWhatIsDue() {
        try {
            // The batch in flight leaves the buffers first, so the due batches below are new ones.
            pipeline.finishInFlight();
            boolean overBound = buffers.bufferedBytes() > config.bufferMaxBytes();
            List<TopicPartition> due = new ArrayList<>();
            for (TopicPartition tp : buffers.withPending()) {
                if (overBound || buffers.isFull(tp)) {
                    due.add(tp);
                }
            }
            if (overBound || !config.applyOverlap()) {
                // Over the memory bound the buffers must drain now, not in the background.
                for (TopicPartition tp : due) {
                    applier.applyAll(tp);
                }
            } else {
                pipeline.start(due);
            }
            // Each batch applied whole ended its own partition's retry window (BatchApplier.finish).
        } catch (IOException e) {
            RuntimeException outcome = retryWindow.handle(e, "applying buffered mutations to " + store.root());
            if (outcome instanceof RetriableException) {
                pauseUnderMemoryPressure();
                context.timeout(config.ioRetryBackoffMs());
            }
            throw outcome;
        }
        resumeWhenDrained();
    }

    private void pauseUnderMemoryPressure() {
        if (buffers.bufferedBytes() <= config.bufferMaxBytes()) {
            return;
        }
        List<TopicPartition> toPause = buffers.withPending();
        toPause.removeAll(pausedForMemory);
        if (!toPause.isEmpty()) {
            log.warn("{} bytes buffered (more than {}={}) and the shards cannot take them now: pausing {}",
                    buffers.bufferedBytes(), VectorSinkConfig.BUFFER_MAX_BYTES_CONFIG, config.bufferMaxBytes(), toPause);
            context.pause(toPause.toArray(new TopicPartition[0]));
            pausedForMemory.addAll(toPause);
        }
    }

    private void resumeWhenDrained() {
        if (!pausedForMemory.isEmpty() && buffers.bufferedBytes() <= config.bufferMaxBytes() / 2) {
            log.info("buffer drained to {} bytes: resuming {}", buffers.bufferedBytes(), pausedForMemory);
            context.resume(pausedForMemory.toArray(new TopicPartition[0]));
            pausedForMemory.clear();
        }
    }

    @Override
    public Map<TopicPartition, OffsetAndMetadata> preCommit(Map<TopicPartition, OffsetAndMetadata> currentOffsets) {
        Map<TopicPartition, OffsetAndMetadata> durable;
        try {
            durable = coordinator.commit(currentOffsets.keySet());
        } catch (RuntimeException e) {
            resumeCheck.rewound(); // Connect seeks back to its committed offsets after a failed preCommit
            throw e;
        }
        settleResets(durable.keySet());
        resumeWhenDrained();
        return durable;
    }

    @Override
    public void flush(Map<TopicPartition, OffsetAndMetadata> currentOffsets) {
        // Everything happens in preCommit, which returns only durable offsets (KIP-89).
    }

    @Override
    public void close(Collection<TopicPartition> partitions) {
        // Connect ran preCommit for these partitions just before; commit again for anything
        // left (a failed commit simply means the next owner replays from the checkpoint).
        coordinator.commit(partitions);
        settleResets(partitions);
        // Also when the commit gave up early (the task failed): no apply may run on a released shard.
        pipeline.drain();
        for (TopicPartition tp : partitions) {
            resetsToSettle.remove(tp);
            retryWindow.forget(tp);
            buffers.close(tp);
            resumeCheck.closed(tp);
            restores.closed(tp);
            pausedForMemory.remove(tp);
            try {
                store.release(KafkaPosition.source(tp));
            } catch (IOException e) {
                log.error("{}: releasing its shards failed; the next owner replays it from the checkpoint", tp, e);
            }
        }
    }

    @Override
    public void stop() {
        if (pipeline != null) {
            pipeline.close();
        }
        if (store != null) {
            try {
                store.close();
                log.info("JadeVectorDB sink task stopped; store {} closed", store.root());
            } catch (IOException e) {
                log.error("closing the store {} failed; the next start replays from the shards' checkpoints",
                        store.root(), e);
            }
        }
    }

    /** The options the store is opened with (for subclasses that observe its I/O, such as tests). */
    protected StoreOptions storeOptions(VectorSinkConfig config) throws IOException {
        return config.storeOptions();
    }

    /** The store this task writes to (for subclasses that observe the task, such as tests). */
    protected final VectorStore store() {
        return store;
    }
}
