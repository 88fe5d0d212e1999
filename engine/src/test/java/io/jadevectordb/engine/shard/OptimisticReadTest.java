package io.jadevectordb.engine.shard;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.jadevectordb.engine.Mutation;
import io.jadevectordb.engine.StoreOptions;
import io.jadevectordb.engine.format.ShardFormat;

/**
 * Lock-free reads ({@link Shard#getIfOpen}) against a writer that changes everything they read:
 * updates (new records, index entries rewritten), deletes, index growth (the table doubles while
 * entries move), log growth (the last chunk of the mapping is remapped: 4 KiB chunks here),
 * compactions (the log and index swapped for new ones) and finally the close. Every vector
 * encodes its id and version in every component, so a read that mixed two records, two versions
 * or two ids, or saw a record half written, fails here; so does a version going backwards for a
 * reader. Bounded by iteration counts, not by time.
 */
class OptimisticReadTest {

    private static final int DIMENSION = 64;
    private static final int IDS = 300;
    private static final int ROUNDS = 60;
    private static final int READERS = 3;

    @TempDir
    Path dir;

    /** Component {@code j} of version {@code version} of id {@code index}: exact in a float (< 2^24: ids * 1024 + version), sign alternating. */
    private static float component(int index, int version, int j) {
        float value = index * 1024f + version;
        return (j & 1) == 0 ? value : -value;
    }

    private static float[] vector(int index, int version) {
        float[] v = new float[DIMENSION];
        for (int j = 0; j < DIMENSION; j++) {
            v[j] = component(index, version, j);
        }
        return v;
    }

    /** Whether the writer ever deletes id {@code index} (a third of them). */
    private static boolean deletable(int index) {
        return index % 3 == 0;
    }

    private static byte[] id(int index) {
        return ShardFormat.idBytes("id-" + index);
    }

    @Test
    void readsDuringUpdatesGrowthCompactionAndCloseAreWholeOfTheirIdAndNeverGoBack() throws Exception {
        StoreOptions options = StoreOptions.defaults().withFlushInterval(Duration.ZERO).withMapChunkBytes(4096)
                .withGrowthBytes(8192).withIndexSnapshotBytes(16384);
        long seed = new SplittableRandom().nextLong();
        Shard shard = Shard.openForWrite("db/s-0.jvdb", dir.resolve("s-0.jvdb"), DIMENSION, 32, options);
        AtomicBoolean writing = new AtomicBoolean(true);
        ExecutorService pool = Executors.newFixedThreadPool(READERS + 1);
        try {
            // Every id exists before the readers start, so a miss of one never deleted is an error.
            for (int i = 0; i < IDS; i++) {
                shard.apply(Mutation.store("id-" + i, vector(i, 1), i), id(i));
            }
            shard.commit(IDS - 1);
            List<Future<Long>> readers = new ArrayList<>();
            for (int r = 0; r < READERS; r++) {
                SplittableRandom random = new SplittableRandom(seed + r);
                readers.add(pool.submit(() -> read(shard, random, writing)));
            }
            Future<Long> writer = pool.submit(() -> {
                try {
                    return write(shard, new SplittableRandom(seed - 1));
                } finally {
                    writing.set(false);
                }
            });
            // Hang guards only (a reader loops until the writer's close): nothing here depends on timing.
            long compactions = writer.get(5, TimeUnit.MINUTES);
            long seen = 0;
            for (Future<Long> reader : readers) {
                seen += reader.get(5, TimeUnit.MINUTES);
            }
            assertThat(compactions).as("compactions run (seed %d)", seed).isPositive();
            assertThat(seen).as("vectors read (seed %d)", seed).isPositive();
        } finally {
            writing.set(false);
            pool.shutdownNow();
            shard.releaseQuietly();
        }
    }

    /** Stores every id again each round with the round as its version, deletes some of the deletable, commits and compacts often; then closes. */
    private static long write(Shard shard, SplittableRandom random) throws Exception {
        long offset = IDS;
        long compactions = 0;
        for (int round = 2; round <= ROUNDS; round++) {
            for (int i = 0; i < IDS; i++) {
                byte[] id = id(i);
                if (deletable(i) && random.nextInt(4) == 0) {
                    shard.apply(Mutation.delete("id-" + i, offset++), id);
                } else {
                    shard.apply(Mutation.store("id-" + i, vector(i, round), offset++), id);
                }
                if (random.nextInt(50) == 0) {
                    shard.commit(offset - 1);
                }
            }
            shard.commit(offset - 1);
            if (round % 5 == 0 && shard.compact()) {
                compactions++;
            }
        }
        shard.close();
        return compactions;
    }

    /** Reads random ids until the shard is closed and the writer done; checks each vector read whole. */
    private static long read(Shard shard, SplittableRandom random, AtomicBoolean writing) {
        int[] newest = new int[IDS];
        long seen = 0;
        while (true) {
            int index = random.nextInt(IDS);
            float[] v = shard.getIfOpen(id(index));
            if (v == Shard.NOT_OPEN) {
                if (!writing.get()) {
                    return seen;
                }
                continue; // not yet: only the writer closes, last
            }
            if (v == null) {
                // Only some ids are ever deleted; a miss of another is a torn read (a record the index points at
                // but whose bytes the writer has not written yet, or an index paired with the log it replaced).
                assertThat(deletable(index)).as("id-%d, never deleted, read as absent", index).isTrue();
                continue;
            }
            seen++;
            assertThat(v).hasSize(DIMENSION);
            int version = (int) (Math.abs(v[0]) - index * 1024f);
            assertThat(version).as("id-%d read version", index).isBetween(1, ROUNDS);
            for (int j = 0; j < DIMENSION; j++) {
                if (v[j] != component(index, version, j)) {
                    throw new AssertionError("id-" + index + ": component " + j + " is " + v[j] + " but component 0 says version "
                            + version + " of this id, whose component " + j + " is " + component(index, version, j));
                }
            }
            assertThat(version).as("id-%d: version read after version %d", index, newest[index])
                    .isGreaterThanOrEqualTo(newest[index]);
            newest[index] = version;
        }
    }
}
