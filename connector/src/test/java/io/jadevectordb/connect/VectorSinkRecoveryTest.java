package io.jadevectordb.connect;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.jadevectordb.connect.testkit.SinkCluster;
import io.jadevectordb.connect.testkit.Workload;

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

        workload.expected().assertMatches(dataDir);
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
        workload.produce(150);
        cluster.awaitCommitted(connector, topic, 4);
        cluster.stopConnector(connector);

        workload.expected().assertMatches(dataDir);
        cluster.deleteConnector(connector);
    }

    @Test
    void lostLocalStateIsRebuiltByReplayFromTheEarliestOffset() throws Exception {
        String topic = "replay";
        String connector = "sink-replay";
        Path dataDir = tmp.resolve("replay");
        cluster.createTopic(topic, 2);
        Workload workload = workload(topic, 2);
        cluster.configure(connector, SinkCluster.sinkProps(topic, dataDir.toString(), true));
        cluster.awaitRunning(connector, 1);
        workload.produce(200);
        cluster.awaitCommitted(connector, topic, 2);
        cluster.stopConnector(connector);

        deleteRecursively(dataDir);
        cluster.connect().resumeConnector(connector);
        cluster.awaitRunning(connector, 1);
        workload.produce(20);
        cluster.awaitCommitted(connector, topic, 2);
        cluster.stopConnector(connector);

        assertThat(workload.expected().liveCount()).isPositive();
        workload.expected().assertMatches(dataDir);
        cluster.deleteConnector(connector);
    }

    private static void deleteRecursively(Path dir) throws Exception {
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
