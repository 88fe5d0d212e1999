package io.jadevectordb.bench.engine;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import io.jadevectordb.engine.Database;
import io.jadevectordb.engine.Mutation;
import io.jadevectordb.engine.StoreOptions;
import io.jadevectordb.engine.VectorStore;

/**
 * The seed's "persistent vs in-memory" comparison, in operations per second: store, retrieve by
 * id and batch retrieve through the engine's direct API ({@link Database}) against a
 * {@code HashMap<String, float[]>} holding the same vectors. The store holds
 * {@code bench.engine.vectors} committed vectors (default 20,000); the flusher is off. The
 * engine returns a copy of each vector (its data lives off-heap), so the HashMap baselines come
 * twice: returning the stored array, and returning a copy ({@code ...Copy}), the fairer floor.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class AccessBenchmark {

    static final int BATCH_GET = 100;

    @Param({"128", "768", "1536"})
    public int dimension;

    private int count;
    private float[][] vectors;
    private String[] ids;
    private Path dir;
    private VectorStore store;
    private Database db;
    private Map<String, float[]> map;
    private final List<List<String>> batches = new ArrayList<>();
    private int next;
    private long inserted;

    @Setup(Level.Trial)
    public void open() throws IOException {
        count = EngineData.intProperty("bench.engine.vectors", 20_000);
        vectors = EngineData.vectors(count, dimension, 7);
        ids = EngineData.ids(count, "doc-");
        dir = EngineData.scratch("access");
        store = VectorStore.open(dir, StoreOptions.defaults().withFlushInterval(Duration.ZERO));
        db = store.createDatabase("articles", dimension);
        map = new HashMap<>();
        EngineData.load(store, "articles", ids, vectors, map);
        // Fixed pseudo-random batches of ids, the same for both sides.
        SplittableRandom random = new SplittableRandom(11);
        for (int b = 0; b < 1024; b++) {
            List<String> some = new ArrayList<>(BATCH_GET);
            for (int i = 0; i < BATCH_GET; i++) {
                some.add(ids[random.nextInt(count)]);
            }
            batches.add(some);
        }
    }

    @TearDown(Level.Trial)
    public void close() throws IOException {
        store.close();
        EngineData.delete(dir);
    }

    private String nextId() {
        next = (next + 7919) % count;
        return ids[next];
    }

    @Benchmark
    public Optional<float[]> retrieve() throws IOException {
        return db.get(nextId());
    }

    @Benchmark
    public float[] hashMapRetrieve() {
        return map.get(nextId());
    }

    @Benchmark
    public float[] hashMapRetrieveCopy() {
        float[] v = map.get(nextId());
        return Arrays.copyOf(v, v.length);
    }

    @Benchmark
    @OperationsPerInvocation(BATCH_GET)
    public Map<String, float[]> batchRetrieve() throws IOException {
        next = (next + 1) & 1023;
        return db.getAll(batches.get(next));
    }

    @Benchmark
    @OperationsPerInvocation(BATCH_GET)
    public Map<String, float[]> hashMapBatchRetrieveCopy() {
        next = (next + 1) & 1023;
        Map<String, float[]> found = new LinkedHashMap<>();
        for (String id : batches.get(next)) {
            float[] v = map.get(id);
            if (v != null) {
                found.put(id, Arrays.copyOf(v, v.length));
            }
        }
        return found;
    }

    /** Upsert of a new id, not committed (durability is DurableWriteBenchmark's subject). */
    @Benchmark
    public Mutation.Outcome store() throws IOException {
        long n = inserted++;
        return db.store("new-" + n, vectors[(int) (n % count)]);
    }

    @Benchmark
    public float[] hashMapStore() {
        long n = inserted++;
        return map.put("new-" + n, vectors[(int) (n % count)]);
    }
}
