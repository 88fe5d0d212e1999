package io.jadevectordb.connect;

import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.jadevectordb.connect.fixtures.SinkCluster;

/**
 * On a standalone worker (one box: the worker that handles REST requests holds the shards),
 * offset resets through the REST API are carried out with the default settings.
 */
class OffsetResetStandaloneTest {

    @TempDir
    Path tmp;

    @Test
    void aStandaloneWorkerCarriesOutOffsetResetsThroughTheRestApiByDefault() throws Exception {
        try (SinkCluster cluster = SinkCluster.startStandalone(tmp.resolve("connect.offsets"))) {
            OffsetResetScenario.run(cluster, "standalone-resets", tmp.resolve("data"), Map.of());
        }
    }
}
