package io.jadevectordb.connect;

import static io.jadevectordb.connect.fixtures.StoreAssertions.assertStoreMatches;
import static io.jadevectordb.connect.fixtures.VectorRecords.document;
import static io.jadevectordb.connect.fixtures.VectorRecords.key;
import static io.jadevectordb.connect.fixtures.VectorRecords.vector;
import static io.jadevectordb.connect.fixtures.VectorRecords.withSchema;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.test.TestUtils;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.jadevectordb.connect.fixtures.SinkCluster;
import io.jadevectordb.oracle.ExpectedState;

/**
 * A checkpoint never passes a rejected record that has not been dealt with: its dead letter
 * must be written first, and a task that failed on it commits nothing more, so the restarted
 * task meets the record again (reports it, or fails on it) instead of skipping it.
 */
class RejectedRecordCheckpointTest {

    private static SinkCluster cluster;

    @TempDir
    static Path tmp;

    @BeforeAll
    static void startCluster() {
        cluster = SinkCluster.start("sink-rejected", 1);
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    /** STORE a, UPDATE of the missing id ghost (rejected when applied, inside preCommit), then {@code third}. */
    private static void produceRejectedUpdateBetweenStores(String topic, String thirdId, ExpectedState expected) {
        cluster.produce(topic, 0, key("alpha", "a"), withSchema("alpha", "a", "STORE", vector("a", 0, 8), false));
        cluster.produce(topic, 0, key("alpha", "ghost"), withSchema("alpha", "ghost", "UPDATE", vector("ghost", 0, 8), false));
        cluster.produce(topic, 0, key("alpha", thirdId), withSchema("alpha", thirdId, "STORE", vector(thirdId, 0, 8), false));
        expected.database("alpha").store("a", vector("a", 0, 8), document("a"));
        expected.database("alpha").store(thirdId, vector(thirdId, 0, 8), document(thirdId));
    }

    @Test
    void aRejectedRecordWhoseDeadLetterFailsIsReportedAfterTheRestartNotSkipped() throws Exception {
        String topic = "dlq-fails";
        String dlq = "dlq-fails-dlq";
        String connector = "sink-dlq-fails";
        Path dataDir = tmp.resolve("dlq-fails");
        cluster.createTopic(topic, 1);
        // Every dead letter is larger than this: the broker refuses the write.
        cluster.connect().kafka().createTopic(dlq, 1, 1, Map.of("max.message.bytes", "100"));
        Map<String, String> props = SinkCluster.sinkProps(topic, dataDir.toString(), true);
        props.put("errors.tolerance", "all");
        props.put("errors.deadletterqueue.topic.name", dlq);
        props.put("errors.deadletterqueue.context.headers.enable", "true");
        props.put("batch.size", "1000"); // applied (and the UPDATE rejected) inside preCommit
        cluster.configure(connector, props);
        cluster.awaitRunning(connector, 1);
        ExpectedState expected = new ExpectedState();

        produceRejectedUpdateBetweenStores(topic, "b", expected);
        String trace = cluster.awaitFailedTaskTrace(connector);
        assertThat(trace).contains("dead letter queue");

        try (Admin admin = cluster.connect().kafka().createAdminClient()) {
            admin.incrementalAlterConfigs(Map.of(new ConfigResource(ConfigResource.Type.TOPIC, dlq),
                    List.of(new AlterConfigOp(new ConfigEntry("max.message.bytes", "1048576"), AlterConfigOp.OpType.SET))))
                    .all().get();
        }
        cluster.connect().restartTask(connector, 0);
        cluster.awaitRunning(connector, 1);
        cluster.produce(topic, 0, key("alpha", "c"), withSchema("alpha", "c", "STORE", vector("c", 0, 8), false));
        expected.database("alpha").store("c", vector("c", 0, 8), document("c"));
        cluster.awaitCommitted(connector, topic, 1);
        long deadLetters = cluster.connect().kafka().endOffset(new TopicPartition(dlq, 0));
        cluster.stopConnector(connector);

        assertThat(deadLetters).as("dead letters after the restart").isEqualTo(1);
        ConsumerRecord<byte[], byte[]> letter = cluster.consume(dlq, 1).get(0);
        assertThat(header(letter, "__connect.errors.offset")).isEqualTo("1");
        assertStoreMatches(expected, dataDir);
        cluster.deleteConnector(connector);
    }

    @Test
    void aTaskThatFailedOnARejectedRecordFailsOnItAgainAfterARestart() throws Exception {
        String topic = "fail-again";
        String connector = "sink-fail-again";
        Path dataDir = tmp.resolve("fail-again");
        cluster.createTopic(topic, 1);
        Map<String, String> props = SinkCluster.sinkProps(topic, dataDir.toString(), true);
        props.put("batch.size", "1000");
        cluster.configure(connector, props);
        cluster.awaitRunning(connector, 1);

        // The STORE of ghost after the rejected UPDATE of ghost is what made a re-apply of the
        // UPDATE stale (not rejected) and let the closing commit pass it.
        produceRejectedUpdateBetweenStores(topic, "ghost", new ExpectedState());
        assertThat(cluster.awaitFailedTaskTrace(connector)).contains("offset 1", "UPDATE of an id");

        cluster.connect().restartTask(connector, 0);
        TestUtils.waitForCondition(() -> cluster.status(connector).contains("FAILED")
                        || Long.valueOf(3).equals(cluster.committedOffsets(connector, topic).get(0)),
                SinkCluster.WAIT_MS, () -> "the restarted task neither failed nor committed: " + cluster.status(connector));

        assertThat(cluster.committedOffsets(connector, topic).get(0)).as("committed offset")
                .satisfiesAnyOf(o -> assertThat(o).isNull(), o -> assertThat(o).isLessThanOrEqualTo(1L));
        assertThat(cluster.awaitFailedTaskTrace(connector)).as("the restarted task meets the bad record again")
                .contains("offset 1", "UPDATE of an id");
        cluster.deleteConnector(connector);
    }

    private static String header(ConsumerRecord<byte[], byte[]> record, String name) {
        Header header = record.headers().lastHeader(name);
        return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }
}
