package io.jadevectordb.bench.engine;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
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

import io.jadevectordb.engine.Mutation;
import io.jadevectordb.engine.SourcePartition;
import io.jadevectordb.engine.StoreOptions;
import io.jadevectordb.engine.VectorStore;

/**
 * Applying records whose vectors arrive as little-endian float32 bytes (the sink's fast path),
 * in vectors per second, without commits (the copies, checks and index work, not the forcing):
 * {@code applyDecodedFloats} decodes each vector into a float[] first (the connector before
 * issue 18, two copies after the converter's), {@code applyBytes} passes the bytes as a
 * byte-level mutation (one copy, into the log buffer). Not in {@link EngineBenchmarks}' list:
 * run it with JMH's include, e.g. {@code ByteVectorApplyBenchmark}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class ByteVectorApplyBenchmark {

    static final int BATCH = 1000;
    private static final SourcePartition SOURCE = new SourcePartition("vectors", 0);

    @Param({"128", "768", "1536"})
    public int dimension;

    private byte[][] records;
    private String[] ids;
    private Path dir;
    private VectorStore store;
    private long offset;

    @Setup(Level.Trial)
    public void open() throws IOException {
        float[][] vectors = EngineData.vectors(BATCH, dimension, 42);
        ids = EngineData.ids(BATCH, "doc-");
        records = new byte[BATCH][];
        for (int i = 0; i < BATCH; i++) {
            ByteBuffer le = ByteBuffer.allocate(dimension * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
            le.asFloatBuffer().put(vectors[i]);
            records[i] = le.array();
        }
        dir = EngineData.scratch("byte-vector-apply");
        store = VectorStore.open(dir.resolve("store"), StoreOptions.defaults().withFlushInterval(Duration.ZERO));
        store.createDatabase("articles", dimension);
        offset = 0;
    }

    @TearDown(Level.Trial)
    public void close() throws IOException {
        store.close();
        EngineData.delete(dir);
    }

    /** Before: each vector's bytes decoded into a float[], which the engine encodes again. */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void applyDecodedFloats() throws IOException {
        List<Mutation> batch = new ArrayList<>(BATCH);
        for (int i = 0; i < BATCH; i++) {
            float[] vector = new float[dimension];
            ByteBuffer.wrap(records[i]).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(vector);
            batch.add(Mutation.store(ids[i], vector, null, offset++));
        }
        store.apply("articles", SOURCE, batch);
    }

    /** Now: the bytes themselves, checked in place and copied once into the log buffer. */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void applyBytes() throws IOException {
        List<Mutation> batch = new ArrayList<>(BATCH);
        for (int i = 0; i < BATCH; i++) {
            batch.add(Mutation.storeBytes(ids[i], ByteBuffer.wrap(records[i]), null, offset++));
        }
        store.apply("articles", SOURCE, batch);
    }
}
