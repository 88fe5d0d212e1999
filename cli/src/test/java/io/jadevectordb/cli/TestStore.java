package io.jadevectordb.cli;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import io.jadevectordb.engine.Mutation;
import io.jadevectordb.engine.SourcePartition;
import io.jadevectordb.engine.StoreOptions;
import io.jadevectordb.engine.VectorStore;

/** Real stores for CLI tests, written through the engine API. */
final class TestStore {

    static final StoreOptions OPTIONS = StoreOptions.defaults().withFlushInterval(Duration.ZERO).withGrowthBytes(64 * 1024);
    static final SourcePartition P0 = new SourcePartition("vectors", 0);
    static final SourcePartition P1 = new SourcePartition("vectors", 1);

    private TestStore() {
    }

    static VectorStore open(Path root) throws Exception {
        return VectorStore.open(root, OPTIONS);
    }

    static float[] random(Random random, int dimension) {
        float[] v = new float[dimension];
        for (int i = 0; i < dimension; i++) {
            v[i] = random.nextFloat() * 2 - 1;
        }
        return v;
    }

    /**
     * Database {@code db} of {@code count} random vectors, id {@code id-i} on partition i % 2,
     * every third id deleted afterwards, everything committed and closed cleanly. Returns the
     * live vectors by id.
     */
    static Map<String, float[]> write(Path root, String db, int dimension, int count, long seed) throws Exception {
        Random random = new Random(seed);
        Map<String, float[]> live = new LinkedHashMap<>();
        List<Mutation> even = new ArrayList<>();
        List<Mutation> odd = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            float[] v = random(random, dimension);
            (i % 2 == 0 ? even : odd).add(Mutation.store("id-" + i, v, i));
            live.put("id-" + i, v);
        }
        for (int i = 0; i < count; i += 3) {
            (i % 2 == 0 ? even : odd).add(Mutation.delete("id-" + i, count + i));
            live.remove("id-" + i);
        }
        try (VectorStore store = open(root)) {
            store.createDatabase(db, dimension);
            store.apply(db, P0, even);
            store.apply(db, P1, odd);
            store.commit(P0, 2L * count);
            store.commit(P1, 2L * count + 1);
        }
        return live;
    }
}
