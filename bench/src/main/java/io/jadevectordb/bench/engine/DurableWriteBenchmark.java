package io.jadevectordb.bench.engine;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
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
 * Durable ingestion, in vectors per second: one batch of {@value #BATCH} new ids applied through
 * {@link VectorStore#apply} and made durable with {@link VectorStore#commit} (what the sink does
 * per batch), against its floor: the same bytes (vector as little-endian floats plus the id)
 * appended to a plain file with one {@link FileChannel#write} and {@link FileChannel#force
 * force(false)} per batch. Both start from an empty directory per trial and keep growing their
 * file through warmup and measurement (the warmup absorbs the first index doublings, so the
 * figures are closer to a steady state); the flusher is off so the commit does all the forcing.
 * With {@code metadataBytes} &gt; 0 every vector carries a CBOR metadata document of about that
 * size (issue 17), and the baseline appends those bytes too.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class DurableWriteBenchmark {

    static final int BATCH = 1000;
    private static final SourcePartition SOURCE = new SourcePartition("vectors", 0);

    @Param({"128", "768", "1536"})
    public int dimension;

    /** About this many bytes of metadata per vector; 0 for none. */
    @Param({"0", "1024"})
    public int metadataBytes;

    private float[][] vectors;
    private byte[][] metadata;
    private String[] ids;
    private Path dir;
    private VectorStore store;
    private FileChannel raw;
    private ByteBuffer rawBatch;
    private long offset;
    private int next;

    @Setup(Level.Trial)
    public void data() {
        vectors = EngineData.vectors(BATCH, dimension, 42);
        ids = EngineData.ids(BATCH, "doc-");
        metadata = EngineData.metadata(BATCH, metadataBytes, 43);
        rawBatch = ByteBuffer.allocateDirect(BATCH * (4 * dimension + 2 + 16 + 4 + metadataBytes + 64))
                .order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < BATCH; i++) {
            for (float f : vectors[i]) {
                rawBatch.putFloat(f);
            }
            byte[] id = ids[i].getBytes(StandardCharsets.UTF_8);
            rawBatch.putShort((short) id.length).put(id);
            if (metadata[i] != null) {
                rawBatch.putInt(metadata[i].length).put(metadata[i]);
            }
        }
        rawBatch.flip();
    }

    @Setup(Level.Trial)
    public void open() throws IOException {
        dir = EngineData.scratch("durable-write");
        store = VectorStore.open(dir.resolve("store"), StoreOptions.defaults().withFlushInterval(Duration.ZERO));
        store.createDatabase("articles", dimension);
        raw = FileChannel.open(dir.resolve("raw.bin"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        offset = 0;
        next = 0;
    }

    @TearDown(Level.Trial)
    public void close() throws IOException {
        store.close();
        raw.close();
        EngineData.delete(dir);
    }

    /** Ours: a batch of new ids applied and committed (forced, checkpointed). */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void storeBatchCommit() throws IOException {
        List<Mutation> batch = new ArrayList<>(BATCH);
        int base = next;
        for (int i = 0; i < BATCH; i++) {
            batch.add(Mutation.store("b" + base + "-" + ids[i], vectors[i], metadata[i], offset++));
        }
        next++;
        store.apply("articles", SOURCE, batch);
        store.commit(SOURCE, offset - 1);
    }

    /** Baseline: the same payload bytes appended and forced, one write and one fdatasync per batch. */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void rawWriteForce() throws IOException {
        ByteBuffer b = rawBatch.duplicate();
        while (b.hasRemaining()) {
            raw.write(b);
        }
        raw.force(false);
    }
}
