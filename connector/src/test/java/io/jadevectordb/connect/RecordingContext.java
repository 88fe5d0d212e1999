package io.jadevectordb.connect;

import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.metrics.PluginMetrics;
import org.apache.kafka.connect.sink.SinkTaskContext;

/** A worker's context reduced to what the task uses, for tests that drive a task without a broker: it records the seeks of {@code open}. */
final class RecordingContext implements SinkTaskContext {
    final Map<String, String> configs;
    final Map<TopicPartition, Long> seeks = new HashMap<>();
    private final Set<TopicPartition> assignment;

    RecordingContext(Map<String, String> configs, Collection<TopicPartition> assignment) {
        this.configs = configs;
        this.assignment = Set.copyOf(assignment);
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
