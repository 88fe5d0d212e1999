package io.jadevectordb.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
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

import io.jadevectordb.engine.crash.ShardContents;
import io.jadevectordb.engine.shard.Shard;
import io.jadevectordb.oracle.ExpectedDatabase;

/**
 * Random operation sequences with random reopens against the in-memory model: the visible
 * state must equal the model's every time, whatever the mix of batches, commits, evictions,
 * clean closes and crashes (a close or a crash keeps exactly the last commit; replaying the
 * source from the store's checkpoint must bring the rest back, and give every mutation after
 * its shard's checkpoint the outcome it had the first time).
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
                        batch.add(new Mutation(m.op(), db + ":" + p + ":" + m.id(), m.vector(), m.sourceOffset(), m.metadata(), m.vectorBytes()));
                    }
                    List<Mutation.Outcome> outcomes = store.apply(db, source, batch);
                    for (int i = 0; i < batch.size(); i++) {
                        firstOutcomes.put(batch.get(i), outcomes.get(i));
                    }
                    logs.get(p).addAll(batch);
                    batch.forEach(m -> dbOfMutation.put(m, db));
                } else if (action < 17) {
                    store.commit(source, logs.get(p).size() - 1);
                } else if (action < 19) {
                    // A clean close keeps the last commit only, as a crash does: the source replays the rest.
                    store.close();
                    store = VectorStore.open(root, options);
                    for (int q = 0; q < partitions; q++) {
                        replay(store, root, new SourcePartition("topic", q), logs.get(q), seed);
                    }
                } else {
                    // Crash: drop every mapping without forcing or checkpointing, then recover by replay.
                    crash(store);
                    store = VectorStore.open(root, options);
                    for (int q = 0; q < partitions; q++) {
                        replay(store, root, new SourcePartition("topic", q), logs.get(q), seed);
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
    /** The outcome each logged mutation had when it was first applied. */
    private final Map<Mutation, Mutation.Outcome> firstOutcomes = new IdentityHashMap<>();

    /**
     * Replays the source from the store's checkpoint, as the sink does after a restart. A
     * mutation after its own shard's checkpoint must have its first outcome (one at or below it
     * is skipped: the store resumes from the lowest checkpoint of the source's shards).
     */
    private void replay(VectorStore store, Path root, SourcePartition source, List<Mutation> log, long seed) throws Exception {
        long from = store.checkpoint(source).orElse(-1) + 1;
        Map<String, Long> shardCheckpoints = new HashMap<>();
        for (Mutation m : log) {
            if (m.sourceOffset() < from) {
                continue;
            }
            String db = dbOfMutation.get(m);
            long shardCheckpoint = shardCheckpoints.computeIfAbsent(db, d -> checkpointOf(root.resolve(d).resolve(
                    source.shardFileName())));
            Mutation.Outcome outcome = store.apply(db, source, List.of(m)).get(0);
            if (m.sourceOffset() > shardCheckpoint) {
                assertThat(outcome).as("replayed %s '%s' at offset %d of %s (shard checkpoint %d), seed %d", m.op(), m.id(),
                        m.sourceOffset(), source, shardCheckpoint, seed).isEqualTo(firstOutcomes.get(m));
            }
        }
    }

    private static long checkpointOf(Path shard) {
        try {
            return Files.exists(shard) ? Shard.checkpointOffset(shard.toString(), shard) : -1;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
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
            // Applied state (a scan shows the last commit only): every live id of the model, and no more.
            Database database = store.database(db).orElseThrow();
            Map<String, float[]> visible = database.getAll(model.live().keySet());
            assertThat(ShardContents.comparable(visible)).as("database %s, seed %d", db, seed)
                    .isEqualTo(ShardContents.comparable(model.live()));
            assertThat(database.stats().liveCount()).as("live ids of database %s, seed %d", db, seed)
                    .isEqualTo(model.live().size());
        }
    }
}
