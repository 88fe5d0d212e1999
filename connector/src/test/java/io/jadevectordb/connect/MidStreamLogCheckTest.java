package io.jadevectordb.connect;

import static io.jadevectordb.connect.fixtures.VectorRecords.key;
import static io.jadevectordb.connect.fixtures.VectorRecords.vector;
import static io.jadevectordb.connect.fixtures.VectorRecords.withSchema;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Map;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.test.TestUtils;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.jadevectordb.connect.fixtures.SinkCluster;

/**
 * A log that changes under a running task is caught at the batch where it shows, not only in
 * the first batch after {@code open()}: records deleted before the task read them (it fell
 * behind retention), and a topic deleted and recreated while the task kept its partition.
 */
class MidStreamLogCheckTest {

    private static SinkCluster cluster;

    @TempDir
    static Path tmp;

    @BeforeAll
    static void startCluster() {
        cluster = SinkCluster.start("sink-midstream", 1);
    }

    @AfterAll
    static void stopCluster() {
        GatedSinkConnector.open();
        if (cluster != null) {
            cluster.close();
        }
    }

    /**
     * A gated sink on {@code topic} that has applied and committed offsets 0..4, then holds its
     * put() of offset 5 with the consumer fetching one record at a time.
     */
    private static void heldAtOffsetFive(String topic, String connector, Path dataDir) throws Exception {
        cluster.createTopic(topic, 1);
        Map<String, String> props = SinkCluster.sinkProps(topic, dataDir.toString(), true);
        props.put("connector.class", GatedSinkConnector.class.getName());
        // One record per fetch and per poll: the consumer's position stays next to what the task got.
        props.put("consumer.override.max.poll.records", "1");
        props.put("consumer.override.max.partition.fetch.bytes", "1");
        props.put("consumer.override.fetch.max.bytes", "1");
        cluster.configure(connector, props);
        cluster.awaitRunning(connector, 1);
        for (int i = 0; i < 5; i++) {
            produce(topic, "old-" + i);
        }
        cluster.awaitCommitted(connector, topic, 1);
        GatedSinkConnector.holdAt(5);
        produce(topic, "old-5");
        GatedSinkConnector.awaitHeld();
    }

    private static void produce(String topic, String id) {
        cluster.produce(topic, 0, key("alpha", id), withSchema("alpha", id, null, vector(id, 0, 8), false));
    }

    @Test
    void aTaskThatFellBehindRetentionMidStreamFailsNamingTheDeletedRecords() throws Exception {
        String topic = "behind";
        String connector = "sink-behind";
        heldAtOffsetFive(topic, connector, tmp.resolve(topic));
        for (int i = 6; i < 12; i++) {
            produce(topic, "old-" + i);
        }
        // Retention (here DeleteRecords) removes offsets below 9 while the task is at 5 or 6.
        try (Admin admin = cluster.connect().kafka().createAdminClient()) {
            admin.deleteRecords(Map.of(new TopicPartition(topic, 0), RecordsToDelete.beforeOffset(9))).all().get();
        }
        GatedSinkConnector.open();

        String trace = cluster.awaitFailedTaskTrace(connector);

        assertThat(trace).contains("behind-0 delivered offset", "its log now starts at offset 9", "were deleted");
        cluster.deleteConnector(connector);
    }

    @Test
    void aTopicRecreatedUnderARunningTaskFailsIt() throws Exception {
        String topic = "recreated-live";
        String connector = "sink-recreated-live";
        heldAtOffsetFive(topic, connector, tmp.resolve(topic));
        cluster.connect().kafka().deleteTopic(topic);
        TestUtils.waitForCondition(() -> {
            try {
                cluster.createTopic(topic, 1);
                return true;
            } catch (RuntimeException stillBeingDeleted) {
                return false;
            }
        }, SinkCluster.WAIT_MS, "the topic could not be recreated");
        for (int i = 0; i < 3; i++) {
            produce(topic, "new-" + i);
        }
        GatedSinkConnector.open();

        String trace = cluster.awaitFailedTaskTrace(connector);

        assertThat(trace).contains("recreated-live-0", "offset 0", "deleted and recreated");
        cluster.deleteConnector(connector);
    }
}
