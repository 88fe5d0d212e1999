package io.jadevectordb.connect;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.metrics.PluginMetrics;
import org.apache.kafka.connect.sink.ErrantRecordReporter;
import org.apache.kafka.connect.sink.SinkRecord;
import org.apache.kafka.connect.sink.SinkTaskContext;

/** A worker's context reduced to what the task uses, for tests that drive a task without a broker: it records the seeks of {@code open}. */
final class RecordingContext implements SinkTaskContext {
    final Map<String, String> configs;
    final Map<TopicPartition, Long> seeks = new HashMap<>();
    private final Set<TopicPartition> assignment;
    /** Records reported to the dead letter queue (written at once), or null when the worker has no reporter. */
    private List<SinkRecord> deadLetters;

    RecordingContext(Map<String, String> configs, Collection<TopicPartition> assignment) {
        this.configs = configs;
        this.assignment = Set.copyOf(assignment);
    }

    /** From now on the worker has a dead letter queue, which records what is reported to it. */
    RecordingContext withDeadLetterQueue() {
        deadLetters = new ArrayList<>();
        return this;
    }

    /** What was reported to the dead letter queue (empty without one). */
    synchronized List<SinkRecord> deadLetters() {
        return deadLetters == null ? List.of() : List.copyOf(deadLetters);
    }

    @Override
    public ErrantRecordReporter errantRecordReporter() {
        if (deadLetters == null) {
            return null;
        }
        return (record, error) -> {
            synchronized (this) {
                deadLetters.add(record);
            }
            return CompletableFuture.completedFuture(null);
        };
    }

    @Override
    public Map<String, String> configs() {
        return configs;
    }

    @Override
    public void offset(Map<TopicPartition, Long> offsets) {
        seeks.putAll(offsets);
    }

    @Override
    public void offset(TopicPartition tp, long offset) {
        seeks.put(tp, offset);
    }

    @Override
    public void timeout(long timeoutMs) {
    }

    @Override
    public Set<TopicPartition> assignment() {
        return assignment;
    }

    @Override
    public void pause(TopicPartition... partitions) {
    }

    @Override
    public void resume(TopicPartition... partitions) {
    }

    @Override
    public void requestCommit() {
    }

    @Override
    public PluginMetrics pluginMetrics() {
        throw new UnsupportedOperationException("no worker metrics in this test");
    }
}
