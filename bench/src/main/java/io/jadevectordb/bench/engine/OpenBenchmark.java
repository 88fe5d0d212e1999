package io.jadevectordb.bench.engine;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
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
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import io.jadevectordb.engine.Mutation;
import io.jadevectordb.engine.SourcePartition;
import io.jadevectordb.engine.StoreOptions;
import io.jadevectordb.engine.VectorStore;

/**
 * Time to open one large shard ({@code bench.engine.openVectors} 768-d vectors, default
 * 100,000, about 330 MB; {@code -Dbench.engine.openVectors=1000000} for the 3.3 GB case) until
 * it accepts writes: after a clean close, and after an unclean shutdown (an image of the file
 * copied while its writer still had it open, after a commit: recovery runs on open). Page cache
 * warm in both cases. The baseline {@code readWholeFile} reads the shard file once sequentially
 * with a FileChannel: the floor for anything that has to look at every byte.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class OpenBenchmark {

    static final int DIMENSION = 768;
    private static final SourcePartition SOURCE = new SourcePartition("vectors", 0);

    private Path dir;
    private Path cleanRoot;
    private Path uncleanImage;
    private Path uncleanRoot;
    private VectorStore opened;

    @Setup(Level.Trial)
    public void build() throws IOException {
        int count = EngineData.intProperty("bench.engine.openVectors", 100_000);
        dir = EngineData.scratch("open");
        cleanRoot = dir.resolve("clean");
        float[][] vectors = EngineData.vectors(1000, DIMENSION, 17);
        try (VectorStore store = VectorStore.open(cleanRoot, StoreOptions.defaults().withFlushInterval(Duration.ZERO))) {
            store.createDatabase("articles", DIMENSION);
            List<Mutation> batch = new ArrayList<>(1000);
            for (int i = 0; i < count; i++) {
                batch.add(Mutation.store("doc-" + i, vectors[i % 1000], i));
                if (batch.size() == 1000 || i == count - 1) {
                    store.apply("articles", SOURCE, batch);
                    batch.clear();
                    if ((i + 1) % 50_000 == 0 || i == count - 1) {
                        store.commit(SOURCE, i);
                    }
                }
            }
            // The writer still holds the file: a copy now is what a crash right after this commit leaves.
            uncleanImage = dir.resolve("unclean-image");
            EngineData.copyAsCrashImage(cleanRoot, uncleanImage);
        }
        uncleanRoot = dir.resolve("unclean");
    }

    @TearDown(Level.Trial)
    public void remove() throws IOException {
        EngineData.delete(dir);
    }

    @Setup(Level.Invocation)
    public void prepare() throws IOException {
        EngineData.delete(uncleanRoot);
        EngineData.copyAsCrashImage(uncleanImage, uncleanRoot);
    }

    @TearDown(Level.Invocation)
    public void closeOpened() throws IOException {
        if (opened != null) {
            opened.close();
            opened = null;
        }
    }

    @Benchmark
    public void openClean() throws IOException {
        opened = VectorStore.open(cleanRoot, StoreOptions.defaults().withFlushInterval(Duration.ZERO));
        opened.apply("articles", SOURCE, List.of());
    }

    @Benchmark
    public void openAfterCrash() throws IOException {
        opened = VectorStore.open(uncleanRoot, StoreOptions.defaults().withFlushInterval(Duration.ZERO));
        opened.apply("articles", SOURCE, List.of());
    }

    @Benchmark
    public long readWholeFile() throws IOException {
        Path shard = cleanRoot.resolve("articles").resolve(SOURCE.shardFileName());
        ByteBuffer buffer = ByteBuffer.allocateDirect(1 << 20);
        long total = 0;
        try (FileChannel channel = FileChannel.open(shard, StandardOpenOption.READ)) {
            int n;
            while ((n = channel.read(buffer)) > 0) {
                total += n;
                buffer.clear();
            }
        }
        return total;
    }
}
