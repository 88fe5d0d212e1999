package io.jadevectordb.connect.apply;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.apache.kafka.common.TopicPartition;

import io.jadevectordb.connect.offsets.KafkaPosition;

/**
 * The per-partition batcher: mutations waiting to be applied, in Kafka order, for each
 * original topic partition, plus the positions that commits are computed from.
 *
 * <p>For each partition it tracks the highest offset handled ({@link #lastSeen}: buffered,
 * rejected or skipped; a redelivered record at or below it is ignored, which makes a
 * {@code RetriableException} from {@code put()} safe) and the highest offset the engine has
 * made durable ({@link #durableNextOffsets}). Not thread-safe: a task has one thread.
 */
public final class PartitionBuffers {

    private static final long NONE = -1L;

    private final int batchSize;
    private final Map<TopicPartition, State> states = new LinkedHashMap<>();
    private long bufferedBytes;

    public PartitionBuffers(int batchSize) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batchSize must be >= 1, was " + batchSize);
        }
        this.batchSize = batchSize;
    }

    private static final class State {
        final List<RoutedMutation> pending = new ArrayList<>();
        long pendingBytes;
        long lastSeen = NONE;
        long durable = NONE;
    }

    /** Starts tracking a partition whose records before {@code resumeAfter} (inclusive) are already durable; -1 for none. */
    public void open(TopicPartition partition, long resumeAfter) {
        State state = new State();
        state.lastSeen = resumeAfter;
        state.durable = resumeAfter;
        State previous = states.put(partition, state);
        if (previous != null) {
            bufferedBytes -= previous.pendingBytes;
        }
    }

    /** Forgets a partition and anything buffered for it (after it was committed, or on a failure that replays it). */
    public void close(TopicPartition partition) {
        State state = states.remove(partition);
        if (state != null) {
            bufferedBytes -= state.pendingBytes;
        }
    }

    Set<TopicPartition> partitions() {
        return Collections.unmodifiableSet(states.keySet());
    }

    /** Whether a record at {@code position} has not been handled yet (false for redeliveries). */
    public boolean isNew(KafkaPosition position) {
        State state = states.get(position.partition());
        return state == null || position.offset() > state.lastSeen;
    }

    /** Records that the record at {@code position} is handled (buffered, rejected or skipped). */
    public void markSeen(KafkaPosition position) {
        State state = state(position.partition());
        state.lastSeen = Math.max(state.lastSeen, position.offset());
    }

    /** Buffers a mutation behind the earlier ones of its partition and marks its position seen. */
    public void add(RoutedMutation mutation) {
        State state = state(mutation.position().partition());
        state.pending.add(mutation);
        long bytes = mutation.approximateBytes();
        state.pendingBytes += bytes;
        bufferedBytes += bytes;
        markSeen(mutation.position());
    }

    /** Whether the partition holds a full batch. */
    public boolean isFull(TopicPartition partition) {
        State state = states.get(partition);
        return state != null && state.pending.size() >= batchSize;
    }

    /** Partitions holding buffered mutations, in first-opened order. */
    public List<TopicPartition> withPending() {
        List<TopicPartition> result = new ArrayList<>();
        states.forEach((tp, state) -> {
            if (!state.pending.isEmpty()) {
                result.add(tp);
            }
        });
        return result;
    }

    /**
     * The partition's first {@code count} buffered mutations grouped by database, each group in
     * Kafka order (groups are independent: different databases are different shards), as a copy:
     * mutations buffered later are not in it. The buffer is kept until {@link #applied} so a
     * failed apply can be retried.
     */
    Map<String, List<RoutedMutation>> pendingByDatabase(TopicPartition partition, int count) {
        State state = states.get(partition);
        if (state == null || state.pending.isEmpty()) {
            return Map.of();
        }
        Map<String, List<RoutedMutation>> groups = new LinkedHashMap<>();
        for (RoutedMutation mutation : state.pending.subList(0, Math.min(count, state.pending.size()))) {
            groups.computeIfAbsent(mutation.database(), d -> new ArrayList<>()).add(mutation);
        }
        return groups;
    }

    /**
     * Drops the first {@code count} mutations of the partition's buffer after they were applied;
     * mutations buffered since (while they were applied in the background) stay.
     */
    void applied(TopicPartition partition, int count) {
        State state = states.get(partition);
        if (state == null || count <= 0) {
            return;
        }
        List<RoutedMutation> done = state.pending.subList(0, Math.min(count, state.pending.size()));
        long bytes = 0;
        for (RoutedMutation mutation : done) {
            bytes += mutation.approximateBytes();
        }
        done.clear();
        state.pendingBytes -= bytes;
        bufferedBytes -= bytes;
    }

    /** The partition's buffered mutations in Kafka order, as a read-only view. */
    List<RoutedMutation> pending(TopicPartition partition) {
        State state = states.get(partition);
        return state == null ? List.of() : Collections.unmodifiableList(state.pending);
    }

    int pendingCount(TopicPartition partition) {
        State state = states.get(partition);
        return state == null ? 0 : state.pending.size();
    }

    /** Heap held by buffered mutations, approximately. */
    public long bufferedBytes() {
        return bufferedBytes;
    }

    /** Highest offset handled in the partition, or -1. */
    long lastSeen(TopicPartition partition) {
        State state = states.get(partition);
        return state == null ? NONE : state.lastSeen;
    }

    /** Whether the partition has handled records beyond its durable offset. */
    boolean needsCommit(TopicPartition partition) {
        State state = states.get(partition);
        return state != null && state.lastSeen > state.durable;
    }

    /** Records that everything up to {@code lastOffset} (inclusive) is durable. */
    void committed(TopicPartition partition, long lastOffset) {
        State state = state(partition);
        state.durable = Math.max(state.durable, lastOffset);
    }

    /** The durable offsets of {@code partitions} in Kafka's terms (next offset to read); partitions with none are left out. */
    Map<TopicPartition, Long> durableNextOffsets(Collection<TopicPartition> partitions) {
        Map<TopicPartition, Long> result = new HashMap<>();
        for (TopicPartition tp : partitions) {
            State state = states.get(tp);
            if (state != null && state.durable > NONE) {
                result.put(tp, state.durable + 1);
            }
        }
        return result;
    }

    private State state(TopicPartition partition) {
        // A record of a partition open() did not announce (should not happen): track it from scratch.
        return states.computeIfAbsent(partition, tp -> new State());
    }
}
