package io.jadevectordb.bench.engine;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.infra.Blackhole;

import io.jadevectordb.engine.Database;
import io.jadevectordb.engine.StoreOptions;
import io.jadevectordb.engine.VectorStore;

/**
 * Update in place, soft delete and scan over every id of a store of {@code bench.engine.vectors}
 * committed vectors (default 20,000), rebuilt before each iteration so every delete hits a live
 * id. One invocation does the whole pass: the score is milliseconds per pass, turned into
 * operations per second by {@link EngineBenchmarks}. The HashMap baselines do the same pass on
 * a {@code HashMap<String, float[]>}. Nothing is committed inside the pass; the flusher is off.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class MutationBenchmark {

    @Param({"128", "768", "1536"})
    public int dimension;

    private int count;
    private float[][] vectors;
    private float[][] replacements;
    private String[] ids;
    private Path dir;
    private VectorStore store;
    private Database db;
    private Map<String, float[]> map;

    @Setup(Level.Trial)
    public void data() {
        count = EngineData.intProperty("bench.engine.vectors", 20_000);
        vectors = EngineData.vectors(count, dimension, 3);
        replacements = EngineData.vectors(Math.min(count, 1024), dimension, 5);
        ids = EngineData.ids(count, "doc-");
    }

    @Setup(Level.Iteration)
    public void fill() throws IOException {
        dir = EngineData.scratch("mutation");
        store = VectorStore.open(dir, StoreOptions.defaults().withFlushInterval(Duration.ZERO));
        db = store.createDatabase("articles", dimension);
        map = new HashMap<>();
        EngineData.load(store, "articles", ids, vectors, map);
    }

    @TearDown(Level.Iteration)
    public void close() throws IOException {
        store.close();
        EngineData.delete(dir);
    }

    @Benchmark
    public void updateInPlace() throws IOException {
        for (int i = 0; i < count; i++) {
            db.update(ids[i], replacements[i % replacements.length]);
        }
    }

    @Benchmark
    public void hashMapUpdate() {
        for (int i = 0; i < count; i++) {
            float[] target = map.get(ids[i]);
            System.arraycopy(replacements[i % replacements.length], 0, target, 0, dimension);
        }
    }

    @Benchmark
    public void softDelete() throws IOException {
        for (int i = 0; i < count; i++) {
            db.delete(ids[i]);
        }
    }

    @Benchmark
    public void hashMapRemove() {
        for (int i = 0; i < count; i++) {
            map.remove(ids[i]);
        }
    }

    @Benchmark
    public void scan(Blackhole hole) throws IOException {
        LongAdder seen = new LongAdder();
        db.scan((id, vector) -> {
            hole.consume(vector);
            seen.increment();
        });
        hole.consume(seen.sum());
    }

    @Benchmark
    public void hashMapScanCopy(Blackhole hole) {
        for (Map.Entry<String, float[]> e : map.entrySet()) {
            hole.consume(e.getKey());
            hole.consume(e.getValue().clone());
        }
    }
}
