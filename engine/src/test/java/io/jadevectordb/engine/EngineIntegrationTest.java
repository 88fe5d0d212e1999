package io.jadevectordb.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.jadevectordb.engine.crash.ShardContents;
import io.jadevectordb.oracle.ExpectedDatabase;

/** The seed's integration scenarios, through the public API, across real restarts. */
class EngineIntegrationTest {

    @TempDir
    Path root;

    private final StoreOptions options = StoreOptions.defaults().withFlushInterval(Duration.ofMillis(50));

    @Test
    void storesCommitsRestartsAndRetrievesOneHundredVectors() throws Exception {
        try (VectorStore store = VectorStore.open(root, options)) {
            Database db = store.createDatabase("articles", 128);
            for (int i = 0; i < 100; i++) {
                db.store("doc-" + i, Vectors.of(128, i));
            }
            db.commit();
        }
        try (VectorStore store = VectorStore.open(root, options)) {
            Database db = store.database("articles").orElseThrow();
            for (int i = 0; i < 100; i++) {
                float[] expected = Vectors.of(128, i);
                assertThat(db.get("doc-" + i)).hasValueSatisfying(v -> assertThat(v).containsExactly(expected));
            }
            assertThat(db.stats().liveCount()).isEqualTo(100);
        }
    }

    @Test
    void keepsSeveralDatabasesOfDimensions64And256And1024Apart() throws Exception {
        int[] dims = {64, 256, 1024};
        try (VectorStore store = VectorStore.open(root, options)) {
            for (int d : dims) {
                Database db = store.createDatabase("dim" + d, d);
                for (int i = 0; i < 20; i++) {
                    db.store("v" + i, Vectors.of(d, d * 1000L + i));
                }
                db.commit();
            }
        }
        try (VectorStore store = VectorStore.open(root, options)) {
            assertThat(store.databaseNames()).containsExactly("dim1024", "dim256", "dim64");
            for (int d : dims) {
                Database db = store.database("dim" + d).orElseThrow();
                assertThat(db.dimension()).isEqualTo(d);
                for (int i = 0; i < 20; i++) {
                    float[] expected = Vectors.of(d, d * 1000L + i);
                    assertThat(db.get("v" + i)).hasValueSatisfying(v -> assertThat(v).containsExactly(expected));
                }
            }
        }
    }

    @Test
    void eightThreadsStoringFiftyVectorsEachLoseNothing() throws Exception {
        try (VectorStore store = VectorStore.open(root, options)) {
            Database db = store.createDatabase("concurrent", 32);
            ExecutorService pool = Executors.newFixedThreadPool(8);
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                int thread = t;
                futures.add(pool.submit(() -> {
                    for (int i = 0; i < 50; i++) {
                        db.store("t" + thread + "-" + i, Vectors.of(32, thread * 100L + i));
                        if (i % 10 == 0) {
                            db.get("t" + thread + "-" + i);
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : futures) {
                f.get();
            }
            pool.shutdown();
            db.commit();
        }
        try (VectorStore store = VectorStore.open(root, options)) {
            Database db = store.database("concurrent").orElseThrow();
            assertThat(db.stats().liveCount()).isEqualTo(400);
            for (int t = 0; t < 8; t++) {
                for (int i = 0; i < 50; i++) {
                    float[] expected = Vectors.of(32, t * 100L + i);
                    assertThat(db.get("t" + t + "-" + i)).hasValueSatisfying(v -> assertThat(v).containsExactly(expected));
                }
            }
        }
    }

    @Test
    void updatesAndDeletesSurviveARestart() throws Exception {
        try (VectorStore store = VectorStore.open(root, options)) {
            Database db = store.createDatabase("a", 8);
            for (int i = 0; i < 10; i++) {
                db.store("k" + i, Vectors.of(8, i));
            }
            db.update("k1", Vectors.of(8, 101));
            db.delete("k2");
            assertThat(db.update("missing", Vectors.of(8, 1))).isEqualTo(Mutation.Outcome.NOT_FOUND);
            db.commit();
        }
        try (VectorStore store = VectorStore.open(root, options)) {
            Database db = store.database("a").orElseThrow();
            assertThat(db.get("k1")).hasValueSatisfying(v -> assertThat(v).containsExactly(Vectors.of(8, 101)));
            assertThat(db.get("k2")).isEmpty();
            assertThat(db.get("missing")).isEmpty();
            assertThat(db.stats().liveCount()).isEqualTo(9);
            assertThat(db.stats().deletedCount()).isEqualTo(1);
        }
    }

    @Test
    void batchStoreAndBatchRetrieveSurviveARestart() throws Exception {
        Map<String, float[]> batch = new LinkedHashMap<>();
        for (int i = 0; i < 300; i++) {
            batch.put("b" + i, Vectors.of(16, i));
        }
        try (VectorStore store = VectorStore.open(root, options)) {
            Database db = store.createDatabase("batch", 16);
            db.storeAll(batch);
            db.commit();
        }
        try (VectorStore store = VectorStore.open(root, options)) {
            Database db = store.database("batch").orElseThrow();
            List<String> ids = new ArrayList<>(batch.keySet());
            ids.add("absent");
            Map<String, float[]> got = db.getAll(ids);
            assertThat(got.keySet()).containsExactlyElementsOf(batch.keySet());
            batch.forEach((id, v) -> assertThat(got.get(id)).containsExactly(v));
        }
    }

    @Test
    void deletingADatabaseRemovesItsDirectory() throws Exception {
        try (VectorStore store = VectorStore.open(root, options)) {
            store.createDatabase("doomed", 4).store("x", new float[] {1, 2, 3, 4});
            store.createDatabase("kept", 4).store("y", new float[] {1, 2, 3, 4});
            assertThat(store.deleteDatabase("doomed")).isTrue();
            assertThat(root.resolve("doomed")).doesNotExist();
        }
        try (VectorStore store = VectorStore.open(root, options)) {
            assertThat(store.databaseNames()).containsExactly("kept");
        }
    }

    @Test
    void thousandInterleavedOperationsMatchTheModelAfterRestart() throws Exception {
        Random random = new Random(1000);
        ExpectedDatabase model = new ExpectedDatabase();
        try (VectorStore store = VectorStore.open(root, options)) {
            Database db = store.createDatabase("mixed", 24);
            for (int i = 0; i < 1000; i++) {
                Mutation m = Mutations.randomWithoutMetadata(random, 150, 24, i);
                switch (m.op()) {
                    case STORE -> db.store(m.id(), m.vector());
                    case UPDATE -> db.update(m.id(), m.vector());
                    case DELETE -> db.delete(m.id());
                }
                Mutations.applyTo(model, m);
                if (i % 97 == 0) {
                    db.commit();
                }
            }
            db.commit();
        }
        try (VectorStore store = VectorStore.open(root, options)) {
            Map<String, float[]> visible = new HashMap<>();
            store.database("mixed").orElseThrow().scan(visible::put);
            assertThat(ShardContents.comparable(visible)).isEqualTo(ShardContents.comparable(model.live()));
        }
    }
}
