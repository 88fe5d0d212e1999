package io.jadevectordb.connect;

import static io.jadevectordb.connect.fixtures.StoreAssertions.assertStoreMatches;
import static io.jadevectordb.connect.fixtures.VectorRecords.document;
import static io.jadevectordb.connect.fixtures.VectorRecords.key;
import static io.jadevectordb.connect.fixtures.VectorRecords.vector;
import static io.jadevectordb.connect.fixtures.VectorRecords.withSchema;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.jadevectordb.connect.fixtures.SinkCluster;
import io.jadevectordb.engine.StoreOptions;
import io.jadevectordb.engine.VectorStore;
import io.jadevectordb.oracle.ExpectedState;

/**
 * One connector per {@code data.dir}, on a real Connect worker: a second connector pointed at
 * a store another connector owns would resume its partitions from the first one's checkpoints
 * and never receive the records before them, so its task fails naming both connectors and the
 * fix, and the store is left as the first connector made it.
 */
class SharedDataDirTest {

    private static SinkCluster cluster;

    @TempDir
    static Path tmp;

    @BeforeAll
    static void startCluster() {
        cluster = SinkCluster.start("shared-data-dir", 1);
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void aSecondConnectorOnAnotherConnectorsDataDirFailsNamingBothAndTheFix() throws Exception {
        String topic = "shared";
        Path dataDir = tmp.resolve("data");
        cluster.createTopic(topic, 1);
        cluster.configure("first", SinkCluster.sinkProps(topic, dataDir.toString(), true));
        cluster.awaitRunning("first", 1);
        ExpectedState expected = new ExpectedState();
        for (int i = 0; i < 3; i++) {
            cluster.produce(topic, 0, key("alpha", "a" + i), withSchema("alpha", "a" + i, null, vector("a" + i, 0, 8), false));
            expected.database("alpha").store("a" + i, vector("a" + i, 0, 8), document("a" + i));
        }
        cluster.awaitCommitted("first", topic, 1);
        cluster.stopConnector("first");

        cluster.configure("second", SinkCluster.sinkProps(topic, dataDir.toString(), true));
        String trace = cluster.awaitFailedTaskTrace("second");

        assertThat(trace).contains("connector first", "connector second", dataDir.toString(), "own data directory");
        try (VectorStore store = VectorStore.open(dataDir, StoreOptions.defaults())) {
            assertThat(store.database("alpha").orElseThrow().stats().liveCount()).isEqualTo(3);
            // The refused second connector left the first one's vectors and metadata as they were.
            assertStoreMatches(expected, store);
        }
        cluster.deleteConnector("second");
        cluster.deleteConnector("first");
    }
}
