package io.jadevectordb.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.jadevectordb.engine.index.IdTable;
import io.jadevectordb.engine.verify.ShardReport;

/**
 * The lock-free tools while a writer stores, rewrites, deletes, grows the index (replacing the
 * file) and commits: every vector read is one that was written whole, and verify finds no fault.
 */
class ReadWhileWritingTest {

    private static final int DIMENSION = 48;
    private static final int IDS = 300;
    private static final int MUTATIONS = 6000;
    private static final int READ_ROUNDS = 40;

    @TempDir
    Path root;

    private final StoreOptions options = StoreOptions.defaults().withFlushInterval(Duration.ZERO).withGrowthBytes(4096);

    /** Every component of the vector written at offset {@code o} is {@code o}: a mix of two writes shows. */
    private static float[] uniform(long offset) {
        float[] v = new float[DIMENSION];
        Arrays.fill(v, offset);
        return v;
    }

    private static void assertWhole(String id, float[] v) {
        assertThat(id).startsWith("k-");
        for (float f : v) {
            assertThat(f).as("vector of %s is a mix of two writes", id).isEqualTo(v[0]);
        }
    }

    @Test
    void readersSeeOnlyWholeVectorsAndVerifyFindsNoFaultWhileAWriterWorks() throws Exception {
        SourcePartition source = new SourcePartition("t", 0);
        AtomicBoolean done = new AtomicBoolean();
        AtomicInteger rounds = new AtomicInteger();
        AtomicBoolean readerFailed = new AtomicBoolean();
        try (VectorStore store = VectorStore.open(root, options)) {
            store.createDatabase("db", DIMENSION);
            store.apply("db", source, List.of(Mutation.store("k-0", uniform(0), 0)));
            store.commit(source, 0);
            CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
                try {
                    long o = 1;
                    // Keeps writing until the reader has done its rounds, so reads overlap writes.
                    // Batches of 1 to 7: a batch writes its vectors, then its entries, when it ends.
                    while (o < MUTATIONS || (rounds.get() < READ_ROUNDS && !readerFailed.get())) {
                        List<Mutation> batch = new ArrayList<>();
                        for (long end = o + 1 + o % 7; o < end; o++) {
                            String id = "k-" + (o * 7919 % IDS);
                            batch.add(o % 5 == 0 ? Mutation.delete(id, o) : Mutation.store(id, uniform(o), o));
                            if (o % 100 == 0) {
                                store.apply("db", source, batch);
                                store.commit(source, o);
                                batch.clear();
                            }
                        }
                        store.apply("db", source, batch);
                    }
                    store.commit(source, o - 1);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                } finally {
                    done.set(true);
                }
            });
            StoreReader reader = StoreReader.open(root);
            try {
                while (!done.get()) {
                    int round = rounds.get();
                    reader.scan("db", ReadWhileWritingTest::assertWhole);
                    String id = "k-" + (round * 31 % IDS);
                    reader.get("db", id).ifPresent(v -> assertWhole(id, v));
                    for (ShardReport report : reader.verify("db")) {
                        assertThat(report.faults()).as("round %d", round).isEmpty();
                    }
                    rounds.incrementAndGet();
                }
            } catch (Exception | Error e) {
                readerFailed.set(true);
                throw e;
            }
            writer.join();
        }
        StoreReader reader = StoreReader.open(root);
        assertThat(reader.verify("db")).singleElement().satisfies(r -> assertThat(r.problems()).isEmpty());
        assertThat(reader.stats("db").shards().get(0).indexCapacity()).isGreaterThan(IdTable.MIN_CAPACITY);
    }
}
