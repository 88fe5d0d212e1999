package io.jadevectordb.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.jadevectordb.engine.format.ShardFormat;

/**
 * {@link Database#get} and {@link Database#getAll}, which read open shards without a lock,
 * while the direct API updates every id again and again, commits, and the store's background
 * compactor swaps the log and index underneath (small map chunks and growth steps make the log
 * remap often too). Each vector encodes its id and version in every component: every vector a
 * reader gets is whole, of the id it asked for, and no older than one it got before.
 */
class LockFreeGetTest {

    private static final int DIMENSION = 32;
    private static final int IDS = 200;
    private static final int ROUNDS = 40;
    private static final int READERS = 3;

    @TempDir
    Path root;

    private static float[] vector(int index, int version) {
        float[] v = new float[DIMENSION];
        for (int j = 0; j < DIMENSION; j++) {
            v[j] = (j & 1) == 0 ? index * 1024f + version : -(index * 1024f + version);
        }
        return v;
    }

    /** The version {@code v} encodes for id {@code index}; fails unless every component agrees. */
    private static int versionOf(int index, float[] v) {
        assertThat(v).hasSize(DIMENSION);
        int version = (int) (Math.abs(v[0]) - index * 1024f);
        assertThat(version).as("version of id-%d", index).isBetween(1, ROUNDS);
        assertThat(v).as("id-%d version %d", index, version).containsExactly(vector(index, version));
        return version;
    }

    @Test
    void getsDuringUpdatesCommitsAndCompactionsAreWholeOfTheirIdAndNeverGoBack() throws Exception {
        StoreOptions options = StoreOptions.defaults().withFlushInterval(Duration.ZERO).withMapChunkBytes(4096)
                .withGrowthBytes(8192).withCompaction(64 * 1024, 0.3);
        long seed = new SplittableRandom().nextLong();
        AtomicBoolean writing = new AtomicBoolean(true);
        ExecutorService pool = Executors.newFixedThreadPool(READERS);
        try (VectorStore store = VectorStore.open(root, options)) {
            Database db = store.createDatabase("a", DIMENSION);
            for (int i = 0; i < IDS; i++) {
                db.store("id-" + i, vector(i, 1));
            }
            db.commit();
            List<Future<Long>> readers = new ArrayList<>();
            for (int r = 0; r < READERS; r++) {
                SplittableRandom random = new SplittableRandom(seed + r);
                readers.add(pool.submit(() -> read(db, random, writing)));
            }
            try {
                for (int round = 2; round <= ROUNDS; round++) {
                    for (int i = 0; i < IDS; i++) {
                        db.update("id-" + i, vector(i, round));
                        if (i % 50 == 49) {
                            db.commit();
                        }
                    }
                }
            } finally {
                writing.set(false);
            }
            long seen = 0;
            for (Future<Long> reader : readers) {
                seen += reader.get(5, TimeUnit.MINUTES); // a hang guard only
            }
            assertThat(seen).as("vectors read (seed %d)", seed).isPositive();
            // Compacted at least once meanwhile: the log is shorter than every record written.
            long written = (long) ROUNDS * IDS * ShardFormat.recordLength(DIMENSION * Float.BYTES, "id-100".length());
            assertThat(db.stats().shards().get(0).logBytes()).as("seed %d", seed).isLessThan(written);
        } finally {
            pool.shutdownNow();
        }
    }

    /** Single and batch gets of random ids until the writer is done, then one more round. */
    private static long read(Database db, SplittableRandom random, AtomicBoolean writing) throws Exception {
        int[] newest = new int[IDS];
        long seen = 0;
        boolean last = false;
        while (!last) {
            last = !writing.get();
            int index = random.nextInt(IDS);
            Optional<float[]> one = db.get("id-" + index);
            assertThat(one).as("id-%d (never deleted)", index).isPresent();
            newest[index] = check(index, one.get(), newest[index]);
            seen++;
            List<String> some = new ArrayList<>();
            for (int k = 0; k < 5; k++) {
                some.add("id-" + random.nextInt(IDS));
            }
            Map<String, float[]> many = db.getAll(some);
            assertThat(many.keySet()).containsExactlyElementsOf(some.stream().distinct().toList());
            for (Map.Entry<String, float[]> e : many.entrySet()) {
                int i = Integer.parseInt(e.getKey().substring(3));
                newest[i] = check(i, e.getValue(), newest[i]);
                seen++;
            }
        }
        return seen;
    }

    private static int check(int index, float[] v, int newest) {
        int version = versionOf(index, v);
        assertThat(version).as("id-%d read after version %d", index, newest).isGreaterThanOrEqualTo(newest);
        return version;
    }
}
