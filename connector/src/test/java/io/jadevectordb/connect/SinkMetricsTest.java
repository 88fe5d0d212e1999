package io.jadevectordb.connect;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.Map;

import org.apache.kafka.common.metrics.Metrics;
import org.apache.kafka.common.metrics.internals.PluginMetricsImpl;
import org.junit.jupiter.api.Test;

import io.jadevectordb.engine.Mutation;

class SinkMetricsTest {

    /** Issue 18: BatchApplier records a batch's counts at once; the totals must be those of one call per record. */
    @Test
    void aBatchsCountRecordedAtOnceAddsUpLikeOneCallPerRecord() throws Exception {
        try (Metrics registry = new Metrics(); PluginMetricsImpl plugin = new PluginMetricsImpl(registry, Map.of("task", "0"))) {
            SinkMetrics metrics = SinkMetrics.of(plugin);
            metrics.applied(Mutation.Op.STORE, 5);
            metrics.applied(Mutation.Op.STORE);
            metrics.applied(Mutation.Op.DELETE, 0);
            metrics.applied(Mutation.Op.DELETE, 2);
            metrics.skipped(3);
            metrics.skipped();
            metrics.skipped(0);
            assertThat(total(registry, plugin, "records-applied-store-total")).isEqualTo(6.0);
            assertThat(total(registry, plugin, "records-applied-delete-total")).isEqualTo(2.0);
            assertThat(total(registry, plugin, "records-applied-update-total")).isEqualTo(0.0);
            assertThat(total(registry, plugin, "records-skipped-total")).isEqualTo(4.0);
        }
    }

    private static double total(Metrics registry, PluginMetricsImpl plugin, String name) {
        return (double) registry.metric(plugin.metricName(name, "", new LinkedHashMap<>())).metricValue();
    }
}
