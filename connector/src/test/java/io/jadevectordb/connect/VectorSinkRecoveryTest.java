package io.jadevectordb.connect;

import static io.jadevectordb.connect.fixtures.StoreAssertions.assertStoreMatches;
import static io.jadevectordb.connect.fixtures.VectorRecords.document;
import static io.jadevectordb.connect.fixtures.VectorRecords.key;
import static io.jadevectordb.connect.fixtures.VectorRecords.vector;
import static io.jadevectordb.connect.fixtures.VectorRecords.withSchema;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.runtime.rest.entities.ConnectorOffset;
import org.apache.kafka.connect.runtime.rest.entities.ConnectorOffsets;
import org.apache.kafka.test.TestUtils;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.jadevectordb.connect.fixtures.SinkCluster;
import io.jadevectordb.connect.fixtures.Workload;
import io.jadevectordb.engine.ShardStats;
import io.jadevectordb.engine.SourcePartition;
import io.jadevectordb.engine.StoreOptions;
import io.jadevectordb.engine.StoreReader;
import io.jadevectordb.engine.VectorStore;
import io.jadevectordb.oracle.ExpectedState;

/**
 * Restarts, rebalances and lost local state in the middle of a stream: whatever happens, the
 * shards end up holding exactly the state the topic describes (no id lost or resurrected).
 */
class VectorSinkRecoveryTest {

    private static final Map<String, Integer> DIMENSIONS = Map.of("alpha", 8, "beta", 3, "gamma", 16);

    private static SinkCluster cluster;

    @TempDir
    static Path tmp;

    @BeforeAll
    static void startCluster() {
        cluster = SinkCluster.start("sink-recovery", 1);
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    private static Workload workload(String topic, int partitions) {
        long seed = System.nanoTime();
        System.out.println("workload seed for " + topic + ": " + seed);
        return new Workload(cluster, topic, partitions, seed, DIMENSIONS);
    }

    @Test
    void connectorAndTaskRestartsMidStreamLeaveTheExactState() throws Exception {
        String topic = "restarts";
        String connector = "sink-restarts";
        Path dataDir = tmp.resolve("restarts");
        cluster.createTopic(topic, 3);
        Workload workload = workload(topic, 3);
        cluster.configure(connector, SinkCluster.sinkProps(topic, dataDir.toString(), true));
        cluster.awaitRunning(connector, 1);

        workload.produce(150);
        cluster.connect().restartConnectorAndTasks(connector, false, true, false);
        workload.produce(150);
        cluster.awaitRunning(connector, 1);
        cluster.connect().restartTask(connector, 0);
        workload.produce(150);
        cluster.awaitRunning(connector, 1);
        cluster.awaitCommitted(connector, topic, 3);
        cluster.stopConnector(connector);

        assertStoreMatches(workload.expected(), dataDir);
        cluster.deleteConnector(connector);
    }

    @Test
    void changingTasksMaxMidStreamMovesPartitionsAndKeepsTheExactState() throws Exception {
        String topic = "rebalance";
        String connector = "sink-rebalance";
        Path dataDir = tmp.resolve("rebalance");
        cluster.createTopic(topic, 4);
        Workload workload = workload(topic, 4);
        Map<String, String> props = SinkCluster.sinkProps(topic, dataDir.toString(), true);
        cluster.configure(connector, props);
        cluster.awaitRunning(connector, 1);

        workload.produce(150);
        props.put("tasks.max", "3");
        cluster.configure(connector, props);
        cluster.awaitRunning(connector, 3);
        workload.produce(150);
        props.put("tasks.max", "2");
        cluster.configure(connector, props);
        cluster.awaitRunning(connector, 2);
        // Issue 15, finding 15: every partition is assigned again, so every shard is current, also
        // those of databases its partition has not written since it moved.
        TestUtils.waitForCondition(() -> releasedShards(dataDir).isEmpty(), 60_000,
                () -> "shards of assigned partitions still marked released: " + releasedShards(dataDir));
        workload.produce(150);
        cluster.awaitCommitted(connector, topic, 4);
        cluster.stopConnector(connector);

        assertStoreMatches(workload.expected(), dataDir);
        cluster.deleteConnector(connector);
    }

    /** Names of the shards whose header says no writer keeps them current. */
    private static List<String> releasedShards(Path dataDir) {
        try {
            StoreReader reader = StoreReader.open(dataDir);
            List<String> names = new ArrayList<>();
            for (String database : reader.databaseNames()) {
                for (ShardStats shard : reader.stats(database).shards()) {
                    if (shard.released()) {
                        names.add(shard.name());
                    }
                }
            }
            return names;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void lostLocalStateIsRebuiltByReplayFromTheEarliestOffset() throws Exception {
        String topic = "replay";
        String connector = "sink-replay";
        Path dataDir = tmp.resolve("replay");
        cluster.createTopic(topic, 2);
        Workload workload = workload(topic, 2);
        Map<String, String> props = new HashMap<>(SinkCluster.sinkProps(topic, dataDir.toString(), true));
        props.put(VectorSinkConfig.OFFSETS_RESET_CONFIG, "local"); // one worker: it holds the shards
        cluster.configure(connector, props);
        cluster.awaitRunning(connector, 1);
        workload.produce(200);
        cluster.awaitCommitted(connector, topic, 2);
        cluster.stopConnector(connector);
        deleteRecursively(dataDir);
        cluster.connect().resetConnectorOffsets(connector);
        assertThat(cluster.committedOffsets(connector, topic)).as("offsets after a reset through the REST API").isEmpty();

        cluster.connect().resumeConnector(connector);
        cluster.awaitRunning(connector, 1);
        workload.produce(20);
        cluster.awaitCommitted(connector, topic, 2);
        cluster.stopConnector(connector);

        assertThat(workload.expected().liveCount()).isPositive();
        assertStoreMatches(workload.expected(), dataDir);
        cluster.deleteConnector(connector);
    }

    @Test
    void aShardLockedByAnotherWriterIsRetriedWithPausingNeverDeadLetteredAndCompletesOnceReleased() throws Exception {
        String topic = "locked";
        String connector = "sink-locked";
        Path dataDir = tmp.resolve("locked");
        cluster.createTopic(topic, 1);
        VectorStore otherWriter = holdShard(dataDir, "alpha", topic);
        Map<String, String> props = SinkCluster.sinkProps(topic, dataDir.toString(), true);
        props.put("errors.tolerance", "all");
        props.put("errors.deadletterqueue.topic.name", "locked-dlq");
        props.put("errors.deadletterqueue.topic.replication.factor", "1");
        props.put("io.retry.backoff.ms", "100");
        props.put("batch.size", "1000");
        props.put("buffer.max.bytes", "1024");
        ExpectedState expected = new ExpectedState();
        cluster.configure(connector, props);
        cluster.awaitRunning(connector, 1);
        try {
            for (int i = 0; i < 20; i++) {
                String id = "held-" + i;
                cluster.produce(topic, 0, key("alpha", id), withSchema("alpha", id, null, vector(id, 0, 8), false));
                expected.database("alpha").store(id, vector(id, 0, 8), document(id));
            }
            TestUtils.waitForCondition(() -> SinkCluster.pluginMetric(connector, "io-retries-total") >= 1,
                    SinkCluster.WAIT_MS, "the task never met the locked shard");
            TestUtils.waitForCondition(() -> SinkCluster.pluginMetric(connector, "paused-partitions") == 1,
                    SinkCluster.WAIT_MS, "the task did not pause the partition whose buffer it could not drain");

            assertThat(cluster.committedOffsets(connector, topic)).as("nothing is durable while the shard is locked")
                    .isEmpty();
            assertThat(cluster.status(connector)).startsWith("RUNNING").doesNotContain("FAILED");
        } finally {
            otherWriter.close();
        }
        cluster.awaitCommitted(connector, topic, 1);
        double pausedAfterDrain = SinkCluster.pluginMetric(connector, "paused-partitions");
        cluster.stopConnector(connector);

        assertThat(pausedAfterDrain).as("partitions still paused once everything is durable").isZero();
        assertStoreMatches(expected, dataDir);
        assertThat(cluster.connect().kafka().endOffset(new TopicPartition("locked-dlq", 0)))
                .as("records in the dead letter queue").isZero();
        cluster.deleteConnector(connector);
    }

    @Test
    void aShardLockedBeyondTheRetryTimeoutFailsTheTaskNamingTheProblem() throws Exception {
        String trace = traceOfATaskOnALockedShard("locked-long", Map.of("io.retry.timeout.ms", "0"));

        assertThat(trace).contains("locked by another writer", "io.retry.timeout.ms=0", "alpha/locked-long-0.jvdb");
    }

    @Test
    void aShardLockedBeyondTheRetryTimeoutFailsTheTaskWhileFullBatchesApplyInTheBackground() throws Exception {
        // apply.overlap: full batches (batch.size=7) go to the background apply
        String trace = traceOfATaskOnALockedShard("locked-overlap", Map.of("apply.overlap", "true",
                "io.retry.timeout.ms", "2000", "io.retry.backoff.ms", "100"));

        assertThat(trace).contains("locked by another writer", "io.retry.timeout.ms=2000", "alpha/locked-overlap-0.jvdb");
    }

    /**
     * Runs the sink on a one-partition topic whose shard of database alpha another writer holds,
     * feeds it 8 records, and returns the trace of the task once it failed.
     */
    private static String traceOfATaskOnALockedShard(String topic, Map<String, String> overrides) throws Exception {
        String connector = "sink-" + topic;
        Path dataDir = tmp.resolve(topic);
        cluster.createTopic(topic, 1);
        Map<String, String> props = SinkCluster.sinkProps(topic, dataDir.toString(), true);
        props.putAll(overrides);
        VectorStore otherWriter = holdShard(dataDir, "alpha", topic);
        try {
            cluster.configure(connector, props);
            cluster.awaitRunning(connector, 1);
            for (int i = 0; i < 8; i++) {
                String id = "held-" + i;
                cluster.produce(topic, 0, key("alpha", id), withSchema("alpha", id, null, vector(id, 0, 8), false));
            }
            return cluster.awaitFailedTaskTrace(connector);
        } finally {
            otherWriter.close();
            cluster.deleteConnector(connector);
        }
    }

    @Test
    void aShardLockedBeyondTheRetryTimeoutFailsTheTaskWhileAnotherPartitionKeepsCommitting() throws Exception {
        String topic = "locked-one";
        String connector = "sink-locked-one";
        Path dataDir = tmp.resolve("locked-one");
        cluster.createTopic(topic, 2);
        Map<String, String> props = SinkCluster.sinkProps(topic, dataDir.toString(), true);
        props.put("io.retry.timeout.ms", "2000");
        props.put("io.retry.backoff.ms", "100");
        VectorStore otherWriter = holdShard(dataDir, "alpha", topic); // partition 0's shard of alpha
        try {
            cluster.configure(connector, props);
            cluster.awaitRunning(connector, 1);
            for (int i = 0; i < 8; i++) {
                String id = "held-" + i;
                cluster.produce(topic, 0, key("alpha", id), withSchema("alpha", id, null, vector(id, 0, 8), false));
            }
            // Partition 1 keeps flowing (and committing) into another database meanwhile.
            boolean failed = false;
            for (int i = 0; i < 600 && !failed; i++) {
                String id = "flowing-" + i;
                cluster.produce(topic, 1, key("beta", id), withSchema("beta", id, null, vector(id, 0, 3), false));
                Thread.sleep(50);
                failed = cluster.status(connector).contains("FAILED");
            }

            assertThat(failed).as("the task failed while partition 0 stayed locked: %s", cluster.status(connector)).isTrue();
            assertThat(cluster.awaitFailedTaskTrace(connector)).contains("locked by another writer",
                    "io.retry.timeout.ms=2000", "alpha/locked-one-0.jvdb");
        } finally {
            otherWriter.close();
        }
        cluster.deleteConnector(connector);
    }

    @Test
    void aDatabaseThePartitionNoLongerFeedsDoesNotHoldItsResumePointBack() throws Exception {
        String topic = "idle-database";
        String connector = "sink-idle-database";
        Path dataDir = tmp.resolve("idle-database");
        SourcePartition source = new SourcePartition(topic, 0);
        cluster.createTopic(topic, 1);
        cluster.configure(connector, SinkCluster.sinkProps(topic, dataDir.toString(), true));
        cluster.awaitRunning(connector, 1);
        ExpectedState expected = new ExpectedState();
        for (int i = 0; i <= 10; i++) { // database gamma: offsets 0..10, then never again
            cluster.produce(topic, 0, key("gamma", "c" + i), withSchema("gamma", "c" + i, null, vector("c" + i, 0, 16), false));
            expected.database("gamma").store("c" + i, vector("c" + i, 0, 16), document("c" + i));
        }
        for (int restart = 0; restart < 2; restart++) { // database delta only, across restarts
            for (int i = 0; i < 5; i++) {
                String id = "d" + restart + "-" + i;
                cluster.produce(topic, 0, key("delta", id), withSchema("delta", id, null, vector(id, 0, 3), false));
                expected.database("delta").store(id, vector(id, 0, 3), document(id));
            }
            cluster.awaitCommitted(connector, topic, 1);
            cluster.stopConnector(connector);
            long last = cluster.connect().kafka().endOffset(new TopicPartition(topic, 0)) - 1;
            try (VectorStore store = VectorStore.open(dataDir, StoreOptions.defaults().withFlushInterval(Duration.ZERO))) {
                assertThat(store.checkpoint(source)).as("resume point after stop %d (gamma was last fed at offset 10)", restart)
                        .hasValue(last);
            }
            cluster.resumeConnector(connector);
            cluster.awaitRunning(connector, 1);
        }
        cluster.stopConnector(connector);
        assertStoreMatches(expected, dataDir);

        // Dropping the idle database stays dropped: the resume point is past everything that fed it.
        try (VectorStore store = VectorStore.open(dataDir, StoreOptions.defaults().withFlushInterval(Duration.ZERO))) {
            assertThat(store.deleteDatabase("gamma")).isTrue();
        }
        cluster.resumeConnector(connector);
        cluster.awaitRunning(connector, 1);
        cluster.produce(topic, 0, key("delta", "after-drop"), withSchema("delta", "after-drop", null,
                vector("after-drop", 0, 3), false));
        cluster.awaitCommitted(connector, topic, 1);
        cluster.stopConnector(connector);
        try (VectorStore store = VectorStore.open(dataDir, StoreOptions.defaults().withFlushInterval(Duration.ZERO))) {
            assertThat(store.databaseNames()).as("databases after dropping gamma and resuming").containsExactly("delta");
            assertThat(store.database("delta").orElseThrow().get("after-drop")).isPresent();
        }
        cluster.deleteConnector(connector);
    }

    @Test
    void aRecreatedTopicWhoseOffsetsStartBelowTheCheckpointFailsTheTaskInsteadOfSkippingRecords() throws Exception {
        String topic = "recreated";
        String connector = "sink-recreated";
        Path dataDir = tmp.resolve("recreated");
        recreateUnderTheSink(topic, connector, dataDir, Map.of());

        String trace = cluster.awaitFailedTaskTrace(connector);

        assertThat(trace).contains("recreated-0", "checkpoint 4", "first record is at offset 0", "deleted and recreated",
                "recreated-0.jvdb", "recreated.topic.behavior=rebuild");
        cluster.deleteConnector(connector);
    }

    @Test
    void aRecreatedTopicIsRebuiltFromItsNewLogWhenConfiguredTo() throws Exception {
        String topic = "recreated-rebuilt";
        String connector = "sink-recreated-rebuilt";
        Path dataDir = tmp.resolve("recreated-rebuilt");
        recreateUnderTheSink(topic, connector, dataDir, Map.of(VectorSinkConfig.RECREATED_TOPIC_BEHAVIOR_CONFIG, "rebuild"));
        cluster.produce(topic, 0, key("alpha", "new-1"), withSchema("alpha", "new-1", null, vector("new-1", 0, 8), false));

        cluster.awaitRunning(connector, 1);
        cluster.awaitCommitted(connector, topic, 1);
        cluster.stopConnector(connector);

        // The old topic's ids are gone with its log; the new topic's records (offsets 0 and 1, below the old
        // checkpoint 4) are all applied rather than skipped as already applied.
        ExpectedState expected = new ExpectedState();
        expected.database("alpha").store("new-0", vector("new-0", 0, 8), document("new-0"));
        expected.database("alpha").store("new-1", vector("new-1", 0, 8), document("new-1"));
        assertStoreMatches(expected, dataDir);
        cluster.deleteConnector(connector);
    }

    @Test
    void aLogWhoseStartMovedPastTheCheckpointFailsTheTaskNamingTheDeletedRecords() throws Exception {
        String topic = "truncated";
        String connector = "sink-truncated";
        Path dataDir = tmp.resolve("truncated");
        cluster.createTopic(topic, 1);
        cluster.configure(connector, SinkCluster.sinkProps(topic, dataDir.toString(), true));
        cluster.awaitRunning(connector, 1);
        for (int i = 0; i < 10; i++) {
            String id = "id-" + i;
            cluster.produce(topic, 0, key("alpha", id), withSchema("alpha", id, null, vector(id, 0, 8), false));
            if (i == 4) {
                cluster.awaitCommitted(connector, topic, 1); // shard checkpoint: offset 4
                cluster.stopConnector(connector);
            }
        }
        // Retention (here DeleteRecords) removes offsets 5..7, which the sink never applied.
        try (Admin admin = cluster.connect().kafka().createAdminClient()) {
            admin.deleteRecords(Map.of(new TopicPartition(topic, 0),
                    RecordsToDelete.beforeOffset(8))).all().get();
        }
        cluster.connect().resumeConnector(connector);

        String trace = cluster.awaitFailedTaskTrace(connector);

        assertThat(trace).contains("truncated-0 resumed after its shard checkpoint 4", "its log now starts at offset 8",
                "records 5..7 were deleted");
        cluster.deleteConnector(connector);
    }

    /**
     * Feeds five records (shard checkpoint 4) through the sink, stops it, deletes and recreates
     * the topic with one record (offset 0), and resumes the sink.
     */
    private static void recreateUnderTheSink(String topic, String connector, Path dataDir, Map<String, String> extra)
            throws Exception {
        cluster.createTopic(topic, 1);
        Map<String, String> props = new HashMap<>(SinkCluster.sinkProps(topic, dataDir.toString(), true));
        props.putAll(extra);
        cluster.configure(connector, props);
        cluster.awaitRunning(connector, 1);
        for (int i = 0; i < 5; i++) {
            String id = "old-" + i;
            cluster.produce(topic, 0, key("alpha", id), withSchema("alpha", id, null, vector(id, 0, 8), false));
        }
        cluster.awaitCommitted(connector, topic, 1); // shard checkpoint: offset 4
        cluster.stopConnector(connector);

        cluster.connect().kafka().deleteTopic(topic);
        TestUtils.waitForCondition(() -> {
            try {
                cluster.createTopic(topic, 1);
                return true;
            } catch (RuntimeException stillBeingDeleted) {
                return false;
            }
        }, SinkCluster.WAIT_MS, "the topic could not be recreated");
        cluster.produce(topic, 0, key("alpha", "new-0"), withSchema("alpha", "new-0", null, vector("new-0", 0, 8), false));
        cluster.connect().resumeConnector(connector);
    }

    @Test
    void anOffsetResetThroughTheRestApiDropsThePartitionsLocalStateAndReplaysFromTheGivenOffset() throws Exception {
        // One distributed worker: the worker that handles the request holds the shards, so offsets.reset=local fits.
        // Without replay from the earliest, a partition whose state were dropped by mistake would lose records.
        OffsetResetScenario.run(cluster, "resets-local", tmp.resolve("resets-local"), Map.of(
                VectorSinkConfig.OFFSETS_RESET_CONFIG, "local", VectorSinkConfig.REPLAY_FROM_EARLIEST_CONFIG, "false"));
    }

    @Test
    void aDistributedWorkerRefusesAnOffsetResetByDefaultNamingTheFix() throws Exception {
        String topic = "reset-refused";
        String connector = "sink-reset-refused";
        Path dataDir = tmp.resolve("reset-refused");
        cluster.createTopic(topic, 1);
        cluster.configure(connector, SinkCluster.sinkProps(topic, dataDir.toString(), true));
        cluster.awaitRunning(connector, 1);
        ExpectedState expected = new ExpectedState();
        for (int i = 0; i < 5; i++) {
            String id = "kept-" + i;
            cluster.produce(topic, 0, key("alpha", id), withSchema("alpha", id, null, vector(id, 0, 8), false));
            expected.database("alpha").store(id, vector(id, 0, 8), document(id));
        }
        cluster.awaitCommitted(connector, topic, 1);
        cluster.stopConnector(connector);
        ConnectorOffsets toZero = new ConnectorOffsets(List.of(new ConnectorOffset(
                Map.of("kafka_topic", topic, "kafka_partition", 0), Map.of("kafka_offset", 0))));

        assertThatThrownBy(() -> cluster.connect().alterConnectorOffsets(connector, toZero))
                .hasMessageContaining("refusing the offset reset of [" + topic + "-0]")
                .hasMessageContaining("distributed Connect worker").hasMessageContaining("offsets.reset=local")
                .hasMessageContaining("<topic>-<partition>.jvdb*");
        assertThatThrownBy(() -> cluster.connect().resetConnectorOffsets(connector))
                .hasMessageContaining("refusing the offset reset");

        assertThat(cluster.committedOffsets(connector, topic)).as("offsets after the refused resets")
                .isEqualTo(Map.of(0, 5L));
        OffsetResetScenario.assertNoResetPending(dataDir);
        cluster.connect().resumeConnector(connector);
        cluster.awaitRunning(connector, 1);
        cluster.awaitCommitted(connector, topic, 1);
        cluster.stopConnector(connector);
        assertStoreMatches(expected, dataDir);
        cluster.deleteConnector(connector);
    }

    /** Another writer (a second store in this JVM) holding the shard of {@code database} fed by partition 0. */
    private static VectorStore holdShard(Path dataDir, String database, String topic) throws Exception {
        VectorStore store = VectorStore.open(dataDir, StoreOptions.defaults().withFlushInterval(Duration.ZERO));
        store.createDatabase(database, 8);
        store.apply(database, new SourcePartition(topic, 0), List.of());
        return store;
    }

    private static void deleteRecursively(Path dir) throws Exception {
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
