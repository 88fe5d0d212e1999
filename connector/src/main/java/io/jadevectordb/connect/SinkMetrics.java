package io.jadevectordb.connect;

import java.util.LinkedHashMap;
import java.util.function.IntSupplier;
import java.util.function.LongSupplier;

import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.metrics.Gauge;
import org.apache.kafka.common.metrics.PluginMetrics;
import org.apache.kafka.common.metrics.Sensor;
import org.apache.kafka.common.metrics.stats.Avg;
import org.apache.kafka.common.metrics.stats.CumulativeSum;
import org.apache.kafka.common.metrics.stats.Max;
import org.apache.kafka.common.metrics.stats.Rate;
import org.apache.kafka.connect.sink.SinkTaskContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.jadevectordb.engine.Mutation;

/**
 * The task's metrics, registered through {@code SinkTaskContext.pluginMetrics()} (Kafka 4.1+,
 * KIP-877) so they appear over JMX in Connect's naming. On older workers, which lack that
 * method, every call is a no-op and the connector runs without metrics.
 */
public final class SinkMetrics {

    private static final Logger log = LoggerFactory.getLogger(SinkMetrics.class);

    private final Sensor[] applied = new Sensor[Mutation.Op.values().length];
    private final Sensor rejected;
    private final Sensor skipped;
    private final Sensor batches;
    private final Sensor bytes;
    private final Sensor commitLatency;
    private final Sensor forceLatency;
    private final Sensor ioRetries;
    private final PluginMetrics pluginMetrics;

    private SinkMetrics(PluginMetrics metrics, IntSupplier openShards, IntSupplier pausedPartitions) {
        this.pluginMetrics = metrics;
        if (metrics == null) {
            rejected = skipped = batches = bytes = commitLatency = forceLatency = ioRetries = null;
            return;
        }
        for (Mutation.Op op : Mutation.Op.values()) {
            String name = "records-applied-" + op.name().toLowerCase();
            applied[op.ordinal()] = counter(metrics, name, op + " mutations applied to shards");
        }
        rejected = counter(metrics, "records-rejected", "bad records sent to the dead letter queue or failing the task");
        skipped = counter(metrics, "records-skipped", "records that changed nothing (replayed, ignored tombstones, "
                + "UPDATE or DELETE of a missing id)");
        batches = counter(metrics, "batches", "batches applied to shards");
        ioRetries = counter(metrics, "io-retries", "retriable I/O problems (shard locked, disk full) waited out");
        bytes = counter(metrics, "bytes-applied", "vector bytes applied to shards");
        commitLatency = latency(metrics, "commit-latency", "time of one preCommit: apply buffered, force, checkpoint");
        forceLatency = latency(metrics, "force-latency", "time of the engine's commit of one partition (force + checkpoint)");
        metrics.addMetric(metrics.metricName("open-shards", "shard files open in this task", new LinkedHashMap<>()),
                (Gauge<Integer>) (config, now) -> openShards.getAsInt());
        metrics.addMetric(metrics.metricName("paused-partitions", "partitions paused because the buffer is over "
                        + VectorSinkConfig.BUFFER_MAX_BYTES_CONFIG, new LinkedHashMap<>()),
                (Gauge<Integer>) (config, now) -> pausedPartitions.getAsInt());
    }

    /** Registers the records left of a partition being rebuilt by replay, as gauge {@code restore-records-left}. */
    public void restoring(TopicPartition partition, LongSupplier recordsLeft) {
        if (pluginMetrics == null) {
            return;
        }
        pluginMetrics.addMetric(restoreMetric(partition), (Gauge<Long>) (config, now) -> recordsLeft.getAsLong());
    }

    /** The rebuild of {@code partition} ended (or it left this task): its gauge goes. */
    public void restored(TopicPartition partition) {
        if (pluginMetrics != null) {
            pluginMetrics.removeMetric(restoreMetric(partition));
        }
    }

    private MetricName restoreMetric(TopicPartition partition) {
        LinkedHashMap<String, String> tags = new LinkedHashMap<>();
        tags.put("topic", partition.topic());
        tags.put("partition", Integer.toString(partition.partition()));
        return pluginMetrics.metricName("restore-records-left", "records left to the end offset of a partition this task "
                + "rebuilds by replay (-1 until its consumer reports a lag)", tags);
    }

    /** Metrics registered with the worker when it supports plugin metrics, else no-ops. */
    static SinkMetrics register(SinkTaskContext context, IntSupplier openShards, IntSupplier pausedPartitions) {
        PluginMetrics pluginMetrics;
        try {
            pluginMetrics = context.pluginMetrics();
        } catch (LinkageError | UnsupportedOperationException olderWorker) {
            log.info("this Connect worker has no plugin metrics (Kafka < 4.1): running without JMX metrics");
            pluginMetrics = null;
        }
        return new SinkMetrics(pluginMetrics, openShards, pausedPartitions);
    }

    /** Metrics registered with {@code metrics} directly (tests read them back). */
    static SinkMetrics of(PluginMetrics metrics) {
        return new SinkMetrics(metrics, () -> 0, () -> 0);
    }

    /** Metrics that record nothing (unit use). */
    public static SinkMetrics none() {
        return new SinkMetrics(null, () -> 0, () -> 0);
    }

    private static Sensor counter(PluginMetrics metrics, String name, String description) {
        Sensor sensor = metrics.addSensor(name);
        sensor.add(metrics.metricName(name + "-total", "total " + description, new LinkedHashMap<>()), new CumulativeSum());
        sensor.add(metrics.metricName(name + "-rate", "per second: " + description, new LinkedHashMap<>()), new Rate());
        return sensor;
    }

    private static Sensor latency(PluginMetrics metrics, String name, String description) {
        Sensor sensor = metrics.addSensor(name);
        sensor.add(metrics.metricName(name + "-avg-ms", "average " + description, new LinkedHashMap<>()), new Avg());
        sensor.add(metrics.metricName(name + "-max-ms", "maximum " + description, new LinkedHashMap<>()), new Max());
        return sensor;
    }

    private static void record(Sensor sensor, double value) {
        if (sensor != null) {
            sensor.record(value);
        }
    }

    public void applied(Mutation.Op op) {
        applied(op, 1);
    }

    /** {@code count} mutations of {@code op} applied: one sensor update (it reads the clock) for a batch's worth. */
    public void applied(Mutation.Op op, int count) {
        if (count > 0) {
            record(applied[op.ordinal()], count);
        }
    }

    public void rejected() {
        record(rejected, 1);
    }

    public void skipped() {
        skipped(1);
    }

    public void skipped(int count) {
        if (count > 0) {
            record(skipped, count);
        }
    }

    public void batch(long vectorBytes) {
        record(batches, 1);
        record(bytes, vectorBytes);
    }

    public void ioRetry() {
        record(ioRetries, 1);
    }

    public void commitLatency(long millis) {
        record(commitLatency, millis);
    }

    public void forceLatency(long millis) {
        record(forceLatency, millis);
    }
}
