package io.jadevectordb.connect;

import java.lang.management.ManagementFactory;
import java.util.HashMap;
import java.util.Map;
import java.util.function.LongSupplier;
import javax.management.MBeanServer;
import javax.management.ObjectName;

import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Progress of partitions this task rebuilds by replay (opened with no local state: a partition
 * that moved here from another worker, or whose shards were moved aside), in the manner of Kafka
 * Streams' {@code StateRestoreListener}: a log line every {@value #LOG_EVERY_MS} ms with the
 * records replayed, their rate and the records left to the end offset, one when the rebuild
 * reaches the end, and the records left as a gauge ({@link SinkMetrics#restoring}).
 *
 * <p>Records left come from the task's own consumer: its {@code records-lag} metric for the
 * partition ({@code kafka.consumer:type=consumer-fetch-manager-metrics}), read from the
 * worker's MBean server, which the task shares. -1 while the consumer has not reported one.
 * Used on the task thread only.
 */
final class RestoreProgress {

    static final long LOG_EVERY_MS = 10_000;
    private static final Logger log = LoggerFactory.getLogger(RestoreProgress.class);

    /** Records left to the end offset of a partition, or -1 when not known. */
    interface Lag {
        long recordsLeft(TopicPartition partition);
    }

    private static final class Rebuild {
        final long startedMs;
        long lastLogMs;
        long records;
        long lastOffset = -1;

        Rebuild(long now) {
            this.startedMs = now;
            this.lastLogMs = now;
        }
    }

    private final Lag lag;
    private final LongSupplier clock;
    private final SinkMetrics metrics;
    private final Map<TopicPartition, Rebuild> rebuilding = new HashMap<>();

    RestoreProgress(Lag lag, LongSupplier clock, SinkMetrics metrics) {
        this.lag = lag;
        this.clock = clock;
        this.metrics = metrics;
    }

    /** The records-lag of the consumer of {@code connector}'s tasks in this worker, over JMX. */
    static Lag consumerLag(String connector) {
        return consumerMetric(connector, "records-lag");
    }

    /**
     * A per-partition metric of the connector's task consumers, read from the worker's JMX
     * ({@code records-lag}: records to the end offset; {@code records-lead}: records since the
     * log start offset); negative when not known.
     */
    static Lag consumerMetric(String connector, String attribute) {
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        String clientPrefix = "connector-consumer-" + connector + "-";
        return partition -> {
            try {
                ObjectName pattern = new ObjectName("kafka.consumer:type=consumer-fetch-manager-metrics,client-id=*,topic="
                        + partition.topic() + ",partition=" + partition.partition());
                for (ObjectName name : server.queryNames(pattern, null)) {
                    if (isTaskConsumerOf(name.getKeyProperty("client-id"), clientPrefix)) {
                        Object value = server.getAttribute(name, attribute);
                        if (value instanceof Number n && !Double.isNaN(n.doubleValue())) {
                            return n.longValue();
                        }
                    }
                }
            } catch (Exception e) {
                // Metrics are best effort: callers say what they cannot tell without them.
            }
            return -1;
        };
    }

    /**
     * Whether {@code clientId} is {@code connector-consumer-<connector>-<task number>}: a prefix
     * alone would also match a connector whose name extends this one's ({@code sink-replica}).
     */
    private static boolean isTaskConsumerOf(String clientId, String clientPrefix) {
        if (clientId == null || !clientId.startsWith(clientPrefix) || clientId.length() == clientPrefix.length()) {
            return false;
        }
        for (int i = clientPrefix.length(); i < clientId.length(); i++) {
            if (!Character.isDigit(clientId.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    /** {@code partition} has no local state here: everything delivered from now on rebuilds it. */
    void started(TopicPartition partition) {
        rebuilding.put(partition, new Rebuild(clock.getAsLong()));
        metrics.restoring(partition, () -> lag.recordsLeft(partition));
        log.info("{}: rebuilding its shards by replay", partition);
    }

    /** A record of {@code partition} at {@code offset} was delivered. */
    void delivered(TopicPartition partition, long offset) {
        Rebuild r = rebuilding.get(partition);
        if (r != null) {
            r.records++;
            r.lastOffset = offset;
        }
    }

    /** After a {@code put()}: logs progress now and then, and ends rebuilds that reached the end offset. */
    void report() {
        if (rebuilding.isEmpty()) {
            return;
        }
        long now = clock.getAsLong();
        for (var it = rebuilding.entrySet().iterator(); it.hasNext(); ) {
            var e = it.next();
            Rebuild r = e.getValue();
            long left = lag.recordsLeft(e.getKey());
            double seconds = Math.max(1, now - r.startedMs) / 1000.0;
            if (left == 0 && r.records > 0) {
                log.info("{}: rebuilt by replay: {} records up to offset {} in {} s ({} records/s)", e.getKey(), r.records,
                        r.lastOffset, String.format("%.1f", seconds), Math.round(r.records / seconds));
                metrics.restored(e.getKey());
                it.remove();
            } else if (now - r.lastLogMs >= LOG_EVERY_MS) {
                r.lastLogMs = now;
                log.info("{}: rebuilding by replay: {} records up to offset {} ({} records/s), {} left to the end offset",
                        e.getKey(), r.records, r.lastOffset, Math.round(r.records / seconds), left < 0 ? "unknown" : left);
            }
        }
    }

    /** {@code partition} left this task (its rebuild, if any, continues wherever it goes). */
    void closed(TopicPartition partition) {
        if (rebuilding.remove(partition) != null) {
            metrics.restored(partition);
        }
    }

    /** True while {@code partition} is being rebuilt (for tests and logs). */
    boolean isRebuilding(TopicPartition partition) {
        return rebuilding.containsKey(partition);
    }
}
