package io.jadevectordb.bench.engine;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

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

import io.jadevectordb.engine.Mutation;
import io.jadevectordb.engine.SourcePartition;
import io.jadevectordb.engine.StoreOptions;
import io.jadevectordb.engine.VectorStore;

/**
 * Latency of {@link VectorStore#commit} against the bytes dirtied since the last commit, with
 * the background flusher off and on. Before each measured commit (outside the measurement)
 * {@code vectorsPerCommit} new 768-d vectors are applied (about 3.3 KB of dirty data each, plus
 * their index entries), then the caller waits {@value #PAUSE_MS} ms, the time a sink spends
 * between commits; with the flusher on (every {@code flushMillis} ms) most of the forcing
 * happens in that pause and the commit finds little left to do.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class CommitLatencyBenchmark {

    static final int DIMENSION = 768;
    static final int PAUSE_MS = 300;
    private static final SourcePartition SOURCE = new SourcePartition("vectors", 0);

    @Param({"16", "256", "4096"})
    public int vectorsPerCommit;

    /** 0 = no background flusher. */
    @Param({"0", "100"})
    public int flushMillis;

    private float[][] vectors;
    private Path dir;
    private VectorStore store;
    private long offset;

    @Setup(Level.Trial)
    public void data() {
        vectors = EngineData.vectors(vectorsPerCommit, DIMENSION, 13);
    }

    @Setup(Level.Iteration)
    public void open() throws IOException {
        dir = EngineData.scratch("commit");
        store = VectorStore.open(dir, StoreOptions.defaults().withFlushInterval(Duration.ofMillis(flushMillis)));
        store.createDatabase("articles", DIMENSION);
        offset = 0;
    }

    @TearDown(Level.Iteration)
    public void close() throws IOException {
        store.close();
        EngineData.delete(dir);
    }

    @Setup(Level.Invocation)
    public void dirty() throws IOException, InterruptedException {
        List<Mutation> batch = new ArrayList<>(vectorsPerCommit);
        for (int i = 0; i < vectorsPerCommit; i++) {
            batch.add(Mutation.store("doc-" + offset, vectors[i], offset++));
        }
        store.apply("articles", SOURCE, batch);
        Thread.sleep(PAUSE_MS);
    }

    @Benchmark
    public void commit() throws IOException {
        store.commit(SOURCE, offset - 1);
    }
}
