package io.jadevectordb.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

import io.jadevectordb.oracle.ExpectedDatabase;

/**
 * Random operation sequences with random reopens against the in-memory model: the visible
 * state must equal the model's every time, whatever the mix of batches, commits, clean closes
 * and crashes (a crash loses what was not committed; replaying the source from the store's
 * checkpoint must bring it back).
 */
class StoreModelProperties {

    @Property(tries = 60)
    void visibleStateEqualsTheModelAcrossReopensAndCrashes(@ForAll long seed, @ForAll @IntRange(min = 1, max = 3) int partitions)
            throws Exception {
        Random random = new Random(seed);
        Path root = Files.createTempDirectory("jvdb-model");
        int dimension = 1 + random.nextInt(40);
        StoreOptions options = StoreOptions.defaults().withFlushInterval(Duration.ZERO).withMapChunkBytes(4096)
                .withGrowthBytes(4096).withMaxOpenShards(1 + random.nextInt(3));
        // Per partition, the source log (what Kafka would keep) and the next offset.
        List<List<Mutation>> logs = new ArrayList<>();
        for (int p = 0; p < partitions; p++) {
            logs.add(new ArrayList<>());
        }
        String[] databases = {"alpha", "beta"};
        VectorStore store = VectorStore.open(root, options);
        for (String db : databases) {
            store.createDatabase(db, dimension);
        }
        try {
            int steps = 20 + random.nextInt(60);
            for (int step = 0; step < steps; step++) {
                int action = random.nextInt(20);
                int p = random.nextInt(partitions);
                SourcePartition source = new SourcePartition("topic", p);
                if (action < 14) {
                    // A batch into one database (ids are namespaced by partition, as keyed producers guarantee).
                    String db = databases[random.nextInt(databases.length)];
                    List<Mutation> batch = new ArrayList<>();
                    int n = 1 + random.nextInt(30);
                    for (int i = 0; i < n; i++) {
                        Mutation m = Mutations.random(random, 40, dimension, logs.get(p).size() + i);
                        batch.add(new Mutation(m.op(), db + ":" + p + ":" + m.id(), m.vector(), m.sourceOffset()));
                    }
                    store.apply(db, source, batch);
                    logs.get(p).addAll(batch);
                    batch.forEach(m -> dbOfMutation.put(m, db));
                } else if (action < 17) {
                    store.commit(source, logs.get(p).size() - 1);
                } else if (action < 19) {
                    store.close();
                    store = VectorStore.open(root, options);
                } else {
                    // Crash: drop every mapping without forcing or checkpointing, then recover by replay.
                    crash(store);
                    store = VectorStore.open(root, options);
                    for (int q = 0; q < partitions; q++) {
                        replay(store, new SourcePartition("topic", q), logs.get(q));
                    }
                }
                assertMatchesModel(store, databases, logs, seed);
            }
        } finally {
            store.close();
            try (Stream<Path> files = Files.walk(root)) {
                files.sorted((a, b) -> b.getNameCount() - a.getNameCount()).forEach(f -> f.toFile().delete());
            }
        }
    }

    /** Which database each logged mutation was routed to. */
    private final Map<Mutation, String> dbOfMutation = new IdentityHashMap<>();

    private void replay(VectorStore store, SourcePartition source, List<Mutation> log) throws Exception {
        long from = store.checkpoint(source).orElse(-1) + 1;
        for (Mutation m : log) {
            if (m.sourceOffset() >= from) {
                store.apply(dbOfMutation.get(m), source, List.of(m));
            }
        }
    }

    private static void crash(VectorStore store) throws Exception {
        store.crashOpenShards();
        store.close();
    }

    private void assertMatchesModel(VectorStore store, String[] databases, List<List<Mutation>> logs, long seed) throws Exception {
        for (String db : databases) {
            ExpectedDatabase model = Mutations.expectedAfter(logs.stream().flatMap(List::stream)
                    .filter(m -> db.equals(dbOfMutation.get(m))));
            Map<String, float[]> visible = new HashMap<>();
            store.database(db).orElseThrow().scan(visible::put);
            assertThat(ShardContents.comparable(visible)).as("database %s, seed %d", db, seed)
                    .isEqualTo(ShardContents.comparable(model.live()));
        }
    }
}
