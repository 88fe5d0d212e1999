package io.jadevectordb.connect.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

import io.jadevectordb.engine.Database;
import io.jadevectordb.engine.StoreOptions;
import io.jadevectordb.engine.VectorStore;

/**
 * The state a topic describes: per database, the live vector of each id after applying the
 * produced mutations in order. Compared exactly with what the engine reads from the shards.
 */
public final class ExpectedState {

    private final Map<String, Map<String, float[]>> databases = new TreeMap<>();

    public void store(String database, String id, float[] vector) {
        databases.computeIfAbsent(database, d -> new TreeMap<>()).put(id, vector.clone());
    }

    /** UPDATE: replaces an existing id (the tests only update ids that exist). */
    public void update(String database, String id, float[] vector) {
        Map<String, float[]> ids = databases.get(database);
        if (ids == null || !ids.containsKey(id)) {
            throw new IllegalStateException("test bug: update of missing " + database + "/" + id);
        }
        ids.put(id, vector.clone());
    }

    public void delete(String database, String id) {
        Map<String, float[]> ids = databases.get(database);
        if (ids != null) {
            ids.remove(id);
        }
    }

    public boolean contains(String database, String id) {
        Map<String, float[]> ids = databases.get(database);
        return ids != null && ids.containsKey(id);
    }

    public int liveCount() {
        return databases.values().stream().mapToInt(Map::size).sum();
    }

    /** Opens the store at {@code dataDir} (the sink must not be running) and compares it exactly. */
    public void assertMatches(Path dataDir) throws IOException {
        try (VectorStore store = VectorStore.open(dataDir, StoreOptions.defaults().withFlushInterval(Duration.ZERO))) {
            assertMatches(store);
        }
    }

    public void assertMatches(VectorStore store) throws IOException {
        assertThat(store.databaseNames()).as("databases in %s", store.root())
                .containsExactlyInAnyOrderElementsOf(databases.keySet());
        for (Map.Entry<String, Map<String, float[]>> entry : databases.entrySet()) {
            Database database = store.database(entry.getKey()).orElseThrow();
            Map<String, float[]> actual = new HashMap<>();
            database.scan((id, vector) -> actual.put(id, vector.clone()));
            assertThat(actual.keySet()).as("live ids of database %s", entry.getKey())
                    .containsExactlyInAnyOrderElementsOf(entry.getValue().keySet());
            entry.getValue().forEach((id, vector) -> assertThat(actual.get(id))
                    .as("vector of %s/%s", entry.getKey(), id).containsExactly(vector));
        }
    }
}
