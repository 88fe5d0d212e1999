package io.jadevectordb.connect;

import static io.jadevectordb.connect.fixtures.VectorRecords.key;
import static io.jadevectordb.connect.fixtures.VectorRecords.vector;
import static io.jadevectordb.connect.fixtures.VectorRecords.withSchema;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Map;
import java.util.Random;

import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.jadevectordb.connect.fixtures.Meta;
import io.jadevectordb.connect.fixtures.SinkCluster;

/**
 * The product's promise, checked directly: at every {@code preCommit} return, every record
 * below each returned offset is readable, vector and metadata, from what a power loss at that
 * instant leaves (the forced-only image and a random one, {@link PowerLossCheck}), across a task
 * restart that starts from a power-loss image. {@code -Djvdb.invariant.withoutForces=true} runs the sink with
 * every force dropped: this test must then fail ({@link PowerLossCheckTest} keeps that proven).
 */
class CommitInvariantTest {

    private static SinkCluster cluster;

    @TempDir
    static Path tmp;

    @BeforeAll
    static void startCluster() {
        cluster = SinkCluster.start("sink-invariant", 1);
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void preCommitNeverReturnsAnOffsetWhoseRecordsAreNotOnDiskAcrossATaskRestart() throws Exception {
        String topic = "invariant";
        String connector = "sink-invariant";
        int partitions = 2;
        cluster.createTopic(topic, partitions);
        Path dataDir = tmp.resolve("data");
        CommitObservation observation = CommitObservation.of(dataDir);
        Map<String, String> props = SinkCluster.sinkProps(topic, dataDir.toString(), true);
        props.put("connector.class", InvariantCheckingSinkConnector.class.getName());
        cluster.configure(connector, props);
        cluster.awaitRunning(connector, 1);
        long[] next = new long[partitions];
        Map<String, Integer> dimensions = Map.of("small", 4, "large", 96);

        Random random = new Random(observation.seed());
        for (int i = 0; i < 400; i++) {
            String db = i % 3 == 0 ? "large" : "small";
            String id = "rec-" + i;
            int partition = i % partitions;
            float[] v = vector(id, 0, dimensions.get(db));
            Meta meta = Meta.random(random, id, 0);
            TopicPartition tp = new TopicPartition(topic, partition);
            // Registered before sending: the task may commit the record before send() returns.
            observation.expect(tp, next[partition], new CommitObservation.Produced(db, id, v, meta.structDocument()));
            long offset = cluster.produce(topic, partition, key(db, id), withSchema(db, id, null, v, i % 2 == 0, meta));
            assertThat(offset).as("offset of %s", id).isEqualTo(next[partition]);
            next[partition]++;
            if (i == 200) {
                cluster.connect().restartTask(connector, 0);
            }
        }
        cluster.awaitCommitted(connector, topic, partitions);
        cluster.deleteConnector(connector);

        System.out.println("CommitInvariantTest: " + observation.checks() + " preCommit returns checked on power-loss images, seed "
                + observation.seed() + ", " + observation.violations().size() + " violations");
        assertThat(observation.violations()).as("image seed %d", observation.seed()).isEmpty();
        assertThat(observation.checks()).isPositive();
        for (int p = 0; p < partitions; p++) {
            assertThat(observation.checked().get(new TopicPartition(topic, p)))
                    .as("highest checked committed offset of partition %d", p).isEqualTo(next[p]);
        }
    }
}
