package io.jadevectordb.connect.offsets;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.ManagementFactory;
import java.util.HashMap;
import java.util.Map;
import javax.management.Attribute;
import javax.management.AttributeList;
import javax.management.DynamicMBean;
import javax.management.MBeanInfo;
import javax.management.ObjectName;

import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

import io.jadevectordb.connect.SinkMetrics;

class RestoreProgressTest {

    private final TopicPartition p3 = new TopicPartition("vectors", 3);
    private final Map<TopicPartition, Long> lag = new HashMap<>();
    private long now = 1_000;

    private RestoreProgress progress() {
        return new RestoreProgress(tp -> lag.getOrDefault(tp, -1L), () -> now, SinkMetrics.none());
    }

    @Test
    void aRebuildEndsWhenThePartitionsConsumerHasNothingLeftAfterRecordsWereReplayed() {
        RestoreProgress progress = progress();
        progress.started(p3);
        lag.put(p3, 0L);
        progress.report();
        assertThat(progress.isRebuilding(p3)).as("no record replayed yet: a lag of 0 before the first fetch proves nothing")
                .isTrue();
        lag.put(p3, 500L);
        for (long o = 0; o < 100; o++) {
            progress.delivered(p3, o);
        }
        now += RestoreProgress.LOG_EVERY_MS;
        progress.report();
        assertThat(progress.isRebuilding(p3)).isTrue();
        lag.put(p3, 0L);
        progress.report();
        assertThat(progress.isRebuilding(p3)).as("the lag is read at most every LAG_EVERY_MS").isTrue();
        now += RestoreProgress.LAG_EVERY_MS;
        progress.report();
        assertThat(progress.isRebuilding(p3)).isFalse();
    }

    /** Issue 18: the lag is a JMX query over all of the worker's consumer metrics; not one per put(). */
    @Test
    void theLagIsReadAtMostOncePerIntervalNotOncePerPut() {
        int[] reads = new int[1];
        RestoreProgress progress = new RestoreProgress(tp -> {
            reads[0]++;
            return 1_000L;
        }, () -> now, SinkMetrics.none());
        progress.started(p3);
        progress.delivered(p3, 0);
        progress.report();
        for (int put = 0; put < 100; put++) {
            progress.delivered(p3, put + 1);
            now += 5;
            progress.report();
        }
        assertThat(reads[0]).as("100 puts in half a second").isEqualTo(1);
        now += RestoreProgress.LAG_EVERY_MS;
        progress.report();
        assertThat(reads[0]).isEqualTo(2);
    }

    @Test
    void aPartitionThatLeavesTheTaskStopsBeingTracked() {
        RestoreProgress progress = progress();
        progress.started(p3);
        progress.closed(p3);
        assertThat(progress.isRebuilding(p3)).isFalse();
        progress.delivered(p3, 7); // a late record of a closed partition changes nothing
        progress.report();
        assertThat(progress.isRebuilding(p3)).isFalse();
    }

    @Test
    void recordsLeftComeFromTheRecordsLagOfThisConnectorsConsumerOverJmx() throws Exception {
        ObjectName ours = new ObjectName("kafka.consumer:type=consumer-fetch-manager-metrics,"
                + "client-id=connector-consumer-restore-test-0,topic=vectors,partition=3");
        ObjectName other = new ObjectName("kafka.consumer:type=consumer-fetch-manager-metrics,"
                + "client-id=connector-consumer-someone-else-0,topic=vectors,partition=4");
        var server = ManagementFactory.getPlatformMBeanServer();
        server.registerMBean(new Lag(42), ours);
        server.registerMBean(new Lag(9), other);
        try {
            RestoreProgress.Lag jmx = RestoreProgress.consumerLag("restore-test", null);
            assertThat(jmx.recordsLeft(p3)).isEqualTo(42);
            assertThat(jmx.recordsLeft(new TopicPartition("vectors", 4))).as("another connector's consumer").isEqualTo(-1);
            assertThat(jmx.recordsLeft(new TopicPartition("vectors", 5))).as("no consumer metric yet").isEqualTo(-1);
        } finally {
            server.unregisterMBean(ours);
            server.unregisterMBean(other);
        }
    }

    @Test
    void aConnectorWhoseNameExtendsThisOnesIsNotMistakenForIt() throws Exception {
        // "restore-test-replica" starts with "restore-test-": its consumer reads the same partition in the same worker.
        ObjectName replica = new ObjectName("kafka.consumer:type=consumer-fetch-manager-metrics,"
                + "client-id=connector-consumer-restore-test-replica-0,topic=vectors,partition=3");
        var server = ManagementFactory.getPlatformMBeanServer();
        server.registerMBean(new Lag(7), replica);
        try {
            assertThat(RestoreProgress.consumerLag("restore-test", null).recordsLeft(p3)).isEqualTo(-1);
            assertThat(RestoreProgress.consumerLag("restore-test-replica", null).recordsLeft(p3)).isEqualTo(7);
        } finally {
            server.unregisterMBean(replica);
        }
    }

    @Test
    void aDottedTopicTaggedWithUnderscoresByAnOlderWorkerIsFound() throws Exception {
        // Workers before Kafka 4.1 tag topic "my.vectors" as "my_vectors" in consumer metrics.
        ObjectName legacy = new ObjectName("kafka.consumer:type=consumer-fetch-manager-metrics,"
                + "client-id=connector-consumer-restore-test-0,topic=my_vectors,partition=3");
        var server = ManagementFactory.getPlatformMBeanServer();
        server.registerMBean(new Lag(11), legacy);
        try {
            assertThat(RestoreProgress.consumerLag("restore-test", null).recordsLeft(new TopicPartition("my.vectors", 3)))
                    .isEqualTo(11);
        } finally {
            server.unregisterMBean(legacy);
        }
    }

    @Test
    void aConsumerClientIdSetByTheConnectorIsMatched() throws Exception {
        ObjectName overridden = new ObjectName("kafka.consumer:type=consumer-fetch-manager-metrics,"
                + "client-id=vectors-reader,topic=vectors,partition=6");
        var server = ManagementFactory.getPlatformMBeanServer();
        server.registerMBean(new Lag(5), overridden);
        try {
            TopicPartition p6 = new TopicPartition("vectors", 6);
            assertThat(RestoreProgress.consumerLag("restore-test", "vectors-reader").recordsLeft(p6)).isEqualTo(5);
            assertThat(RestoreProgress.consumerLag("restore-test", null).recordsLeft(p6)).as("without the override").isEqualTo(-1);
        } finally {
            server.unregisterMBean(overridden);
        }
    }

    @Test
    void aPartitionThatTwoTaskConsumersReportIsNotTrustedAndTheReasonSaysSo() throws Exception {
        // Task 1 took the partition over from task 0 in this worker; task 0's metric is not gone yet.
        ObjectName task0 = new ObjectName("kafka.consumer:type=consumer-fetch-manager-metrics,"
                + "client-id=connector-consumer-restore-test-0,topic=vectors,partition=8");
        ObjectName task1 = new ObjectName("kafka.consumer:type=consumer-fetch-manager-metrics,"
                + "client-id=connector-consumer-restore-test-1,topic=vectors,partition=8");
        var server = ManagementFactory.getPlatformMBeanServer();
        server.registerMBean(new Lag(100), task0);
        server.registerMBean(new Lag(3), task1);
        try {
            TopicPartition p8 = new TopicPartition("vectors", 8);
            RestoreProgress.Lag jmx = RestoreProgress.consumerLag("restore-test", null);
            assertThat(jmx.recordsLeft(p8)).isEqualTo(-1);
            assertThat(jmx.whyUnknown(p8)).contains("2 consumers report 'records-lag' for vectors-8");
            assertThat(jmx.whyUnknown(new TopicPartition("vectors", 9))).contains("client-id=connector-consumer-restore-test-<task>",
                    "topic=vectors", "partition=9");
        } finally {
            server.unregisterMBean(task0);
            server.unregisterMBean(task1);
        }
    }

    /** A consumer metric MBean as Kafka's JmxReporter registers it: one attribute per metric. */
    private static final class Lag implements DynamicMBean {
        private final double value;

        Lag(double value) {
            this.value = value;
        }

        @Override
        public Object getAttribute(String attribute) {
            return "records-lag".equals(attribute) ? value : null;
        }

        @Override
        public void setAttribute(Attribute attribute) {
            throw new UnsupportedOperationException();
        }

        @Override
        public AttributeList getAttributes(String[] attributes) {
            return new AttributeList();
        }

        @Override
        public AttributeList setAttributes(AttributeList attributes) {
            return new AttributeList();
        }

        @Override
        public Object invoke(String actionName, Object[] params, String[] signature) {
            return null;
        }

        @Override
        public MBeanInfo getMBeanInfo() {
            return new MBeanInfo(Lag.class.getName(), "records-lag", null, null, null, null);
        }
    }
}
