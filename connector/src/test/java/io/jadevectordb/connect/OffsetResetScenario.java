package io.jadevectordb.connect;

import static io.jadevectordb.connect.fixtures.StoreAssertions.assertStoreMatches;
import static io.jadevectordb.connect.fixtures.VectorRecords.document;
import static io.jadevectordb.connect.fixtures.VectorRecords.key;
import static io.jadevectordb.connect.fixtures.VectorRecords.vector;
import static io.jadevectordb.connect.fixtures.VectorRecords.withSchema;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.apache.kafka.connect.runtime.rest.entities.ConnectorOffset;
import org.apache.kafka.connect.runtime.rest.entities.ConnectorOffsets;

import io.jadevectordb.connect.fixtures.SinkCluster;
import io.jadevectordb.connect.offsets.OffsetResetJournal;
import io.jadevectordb.oracle.ExpectedState;

/**
 * Offset resets through the REST API (KIP-875) carried out on a running Connect worker: a
 * {@code PATCH} of one partition drops that partition's local state and replays it from the
 * given offset, leaving the other partition alone; a {@code DELETE} replays every partition
 * from the earliest offset. The final state is compared exactly each time.
 */
final class OffsetResetScenario {

    private OffsetResetScenario() {
    }

    /** Runs the scenario on {@code cluster} with the sink settings plus {@code extraProps}. */
    static void run(SinkCluster cluster, String topic, Path dataDir, Map<String, String> extraProps) throws Exception {
        String connector = "sink-" + topic;
        cluster.createTopic(topic, 2);
        Map<String, String> props = new HashMap<>(SinkCluster.sinkProps(topic, dataDir.toString(), true));
        props.putAll(extraProps);
        cluster.configure(connector, props);
        cluster.awaitRunning(connector, 1);
        for (int i = 0; i < 4; i++) {
            produce(cluster, topic, 0, "a" + i);
        }
        produce(cluster, topic, 1, "b0");
        produce(cluster, topic, 1, "b1");
        cluster.awaitCommitted(connector, topic, 2);
        cluster.stopConnector(connector);

        cluster.alterOffsets(connector, new ConnectorOffsets(List.of(new ConnectorOffset(
                Map.of("kafka_topic", topic, "kafka_partition", 0), Map.of("kafka_offset", 2)))));
        assertThat(cluster.committedOffsets(connector, topic)).as("offsets after the PATCH").isEqualTo(Map.of(0, 2L, 1, 2L));
        cluster.resumeConnector(connector);
        cluster.awaitRunning(connector, 1);
        cluster.awaitCommitted(connector, topic, 2);
        cluster.stopConnector(connector);

        assertStoreMatches(expected("a2", "a3", "b0", "b1"), dataDir);
        assertNoResetPending(dataDir);

        cluster.resetOffsets(connector);
        assertThat(cluster.committedOffsets(connector, topic)).as("offsets after the DELETE").isEmpty();
        cluster.resumeConnector(connector);
        cluster.awaitRunning(connector, 1);
        produce(cluster, topic, 0, "a4");
        cluster.awaitCommitted(connector, topic, 2);
        cluster.stopConnector(connector);

        assertStoreMatches(expected("a0", "a1", "a2", "a3", "a4", "b0", "b1"), dataDir);
        assertNoResetPending(dataDir);
        cluster.deleteConnector(connector);
    }

    private static void produce(SinkCluster cluster, String topic, int partition, String id) {
        cluster.produce(topic, partition, key("alpha", id), withSchema("alpha", id, null, vector(id, 0, 8), false));
    }

    private static ExpectedState expected(String... ids) {
        ExpectedState expected = new ExpectedState();
        for (String id : ids) {
            expected.database("alpha").store(id, vector(id, 0, 8), document(id));
        }
        return expected;
    }

    static void assertNoResetPending(Path dataDir) throws Exception {
        Path journal = dataDir.resolve(OffsetResetJournal.DIRECTORY);
        if (Files.isDirectory(journal)) {
            try (Stream<Path> files = Files.list(journal)) {
                assertThat(files).as("offset resets not carried out in %s", journal).isEmpty();
            }
        }
    }
}
