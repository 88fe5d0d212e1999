package io.jadevectordb.connect.offsets;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.LongSupplier;
import javax.management.MBeanServer;
import javax.management.ObjectName;

import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.jadevectordb.connect.SinkMetrics;

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
public final class RestoreProgress {

    static final long LOG_EVERY_MS = 10_000;
    /**
     * How often a rebuild asks the consumer how far it is from the end offset: the answer is a JMX
     * query over every consumer metric of the worker (about 0.1 ms), which per {@code put()} cost
     * a rebuild at full speed a quarter of a microsecond per record (issue 18).
     */
    static final long LAG_EVERY_MS = 1_000;
    private static final Logger log = LoggerFactory.getLogger(RestoreProgress.class);

    /** Records left to the end offset of a partition, or -1 when not known. */
    interface Lag {
        long recordsLeft(TopicPartition partition);

        /** Why {@link #recordsLeft} is not known for {@code partition}, for a warning. */
        default String whyUnknown(TopicPartition partition) {
            return "no source of this metric";
        }
    }

    private static final class Rebuild {
        final long startedMs;
        long lastLogMs;
        /** When the lag was last read; a rebuild ends at most this long after it reached the end offset. */
        long lastLagMs;
        long records;
        long lastOffset = -1;

        Rebuild(long now) {
            this.lastLagMs = now - LAG_EVERY_MS;
            this.startedMs = now;
            this.lastLogMs = now;
        }
    }

    private final Lag lag;
    private final LongSupplier clock;
    private final SinkMetrics metrics;
    private final Map<TopicPartition, Rebuild> rebuilding = new HashMap<>();

    public RestoreProgress(Lag lag, LongSupplier clock, SinkMetrics metrics) {
        this.lag = lag;
        this.clock = clock;
        this.metrics = metrics;
    }

    /** The records-lag of the consumer of {@code connector}'s tasks in this worker, over JMX. */
    public static Lag consumerLag(String connector, String clientIdOverride) {
        return consumerMetric(connector, clientIdOverride, "records-lag");
    }

    /**
     * A per-partition metric of the connector's task consumers, read from the worker's JMX
     * ({@code records-lag}: records to the end offset; {@code records-lead}: records since the
     * log start offset); negative when not known.
     *
     * @param connector the connector's name
     * @param clientIdOverride {@code consumer.override.client.id} of the connector, or null
     * @param attribute the metric
     */
    public static Lag consumerMetric(String connector, String clientIdOverride, String attribute) {
        return new ConsumerMetric(connector, clientIdOverride, attribute);
    }

    /**
     * One metric of the task consumer that reads a partition. Matched by client id: the task
     * consumers' {@code connector-consumer-<connector>-<task>} (a prefix alone would also match a
     * connector whose name extends this one's, {@code sink-replica}), or the connector's
     * {@code consumer.override.client.id}. Matched by topic as named, or with {@code .} as
     * {@code _} (workers before Kafka 4.1 tag topics so). Several tasks of one connector in one
     * worker read different partitions, so the partition tells their consumers apart; a metric
     * that more than one consumer reports for a partition (or that two topic spellings match) is
     * not trusted: -1, and {@link #whyUnknown} says so.
     */
    private static final class ConsumerMetric implements Lag {
        private static final MBeanServer SERVER = ManagementFactory.getPlatformMBeanServer();

        private final String clientPrefix;
        private final String clientIdOverride;
        private final String attribute;

        ConsumerMetric(String connector, String clientIdOverride, String attribute) {
            this.clientPrefix = "connector-consumer-" + connector + "-";
            this.clientIdOverride = clientIdOverride == null || clientIdOverride.isBlank() ? null : clientIdOverride;
            this.attribute = attribute;
        }

        @Override
        public long recordsLeft(TopicPartition partition) {
            List<Long> values = values(partition);
            return values.size() == 1 ? values.get(0) : -1;
        }

        @Override
        public String whyUnknown(TopicPartition partition) {
            int found = values(partition).size();
            String client = clientIdOverride != null ? "client-id=" + clientIdOverride : "client-id=" + clientPrefix + "<task>";
            return found == 0
                    ? "no kafka.consumer:type=consumer-fetch-manager-metrics," + client + ",topic=" + partition.topic()
                            + ",partition=" + partition.partition() + " with a number in '" + attribute + "' (JMX "
                            + "reporting disabled, metrics not yet recorded, or another client id)"
                    : found + " consumers report '" + attribute + "' for " + partition + " (" + client + ")";
        }

        private List<Long> values(TopicPartition partition) {
            List<Long> values = new ArrayList<>();
            for (String topicTag : topicTags(partition.topic())) {
                try {
                    ObjectName pattern = new ObjectName("kafka.consumer:type=consumer-fetch-manager-metrics,client-id=*,topic="
                            + ObjectName.quote(topicTag) + ",partition=" + partition.partition());
                    Set<ObjectName> names = SERVER.queryNames(pattern, null);
                    // Unquoted tags too: Kafka's JmxReporter quotes only values that need it.
                    names.addAll(SERVER.queryNames(new ObjectName("kafka.consumer:type=consumer-fetch-manager-metrics,"
                            + "client-id=*,topic=" + topicTag + ",partition=" + partition.partition()), null));
                    for (ObjectName name : names) {
                        if (isTaskConsumer(name.getKeyProperty("client-id"))) {
                            Object value = SERVER.getAttribute(name, attribute);
                            if (value instanceof Number n && !Double.isNaN(n.doubleValue())) {
                                values.add(n.longValue());
                            }
                        }
                    }
                } catch (Exception e) {
                    // Metrics are best effort: callers say what they cannot tell without them.
                }
            }
            return values;
        }

        private static List<String> topicTags(String topic) {
            String legacy = topic.replace('.', '_');
            return legacy.equals(topic) ? List.of(topic) : List.of(topic, legacy);
        }

        private boolean isTaskConsumer(String clientId) {
            if (clientId == null) {
                return false;
            }
            if (clientIdOverride != null) {
                return clientId.equals(clientIdOverride) || clientId.equals(ObjectName.quote(clientIdOverride));
            }
            if (!clientId.startsWith(clientPrefix) || clientId.length() == clientPrefix.length()) {
                return false;
            }
            for (int i = clientPrefix.length(); i < clientId.length(); i++) {
                if (!Character.isDigit(clientId.charAt(i))) {
                    return false;
                }
            }
            return true;
        }
    }

    /** {@code partition} has no local state here: everything delivered from now on rebuilds it. */
    public void started(TopicPartition partition) {
        rebuilding.put(partition, new Rebuild(clock.getAsLong()));
        metrics.restoring(partition, () -> lag.recordsLeft(partition));
        log.info("{}: rebuilding its shards by replay", partition);
    }

    /** A record of {@code partition} at {@code offset} was delivered. */
    public void delivered(TopicPartition partition, long offset) {
        Rebuild r = rebuilding.get(partition);
        if (r != null) {
            r.records++;
            r.lastOffset = offset;
        }
    }

    /** After a {@code put()}: logs progress now and then, and ends rebuilds that reached the end offset. */
    public void report() {
        if (rebuilding.isEmpty()) {
            return;
        }
        long now = clock.getAsLong();
        for (var it = rebuilding.entrySet().iterator(); it.hasNext(); ) {
            var e = it.next();
            Rebuild r = e.getValue();
            boolean logDue = now - r.lastLogMs >= LOG_EVERY_MS;
            if (!logDue && r.records == 0 || !logDue && now - r.lastLagMs < LAG_EVERY_MS) {
                continue;
            }
            r.lastLagMs = now;
            long left = lag.recordsLeft(e.getKey());
            double seconds = Math.max(1, now - r.startedMs) / 1000.0;
            if (left == 0 && r.records > 0) {
                log.info("{}: rebuilt by replay: {} records up to offset {} in {} s ({} records/s)", e.getKey(), r.records,
                        r.lastOffset, String.format("%.1f", seconds), Math.round(r.records / seconds));
                metrics.restored(e.getKey());
                it.remove();
            } else if (logDue) {
                r.lastLogMs = now;
                log.info("{}: rebuilding by replay: {} records up to offset {} ({} records/s), {} left to the end offset",
                        e.getKey(), r.records, r.lastOffset, Math.round(r.records / seconds), left < 0 ? "unknown" : left);
            }
        }
    }

    /** {@code partition} left this task (its rebuild, if any, continues wherever it goes). */
    public void closed(TopicPartition partition) {
        if (rebuilding.remove(partition) != null) {
            metrics.restored(partition);
        }
    }

    /** True while {@code partition} is being rebuilt (for tests and logs). */
    boolean isRebuilding(TopicPartition partition) {
        return rebuilding.containsKey(partition);
    }
}
