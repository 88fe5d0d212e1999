package io.jadevectordb.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A shard file past 2 GiB, the most one {@code MappedByteBuffer} can map on Java 17: chunked
 * mappings, positions as longs, and growth steps that cross the boundary. Writes about 2.2 GB.
 */
class LargeShardTest {

    private static final int DIMENSION = 65_536; // 256 KiB per vector: 8,200 vectors pass 2 GiB
    private static final int COUNT = 8_300;

    @TempDir
    Path root;

    private static float[] vector(int i) {
        float[] v = new float[DIMENSION];
        Arrays.fill(v, 0.25f);
        v[0] = i;
        v[DIMENSION / 2] = -i;
        v[DIMENSION - 1] = i * 0.5f;
        return v;
    }

    @Test
    void growsPastTwoGibibytesAndReadsBackAcrossTheBoundaryAfterReopen() throws Exception {
        SourcePartition source = new SourcePartition("big", 0);
        StoreOptions options = StoreOptions.defaults().withFlushInterval(Duration.ZERO).withMaxIdBytes(16)
                .withMapChunkBytes(1L << 30).withGrowthBytes(256L << 20);
        try (VectorStore store = VectorStore.open(root, options)) {
            store.createDatabase("big", DIMENSION);
            for (int i = 0; i < COUNT; i++) {
                store.apply("big", source, List.of(Mutation.store("v" + i, vector(i), i)));
                if (i % 2000 == 1999) {
                    store.commit(source, i);
                }
            }
            store.commit(source, COUNT - 1);
        }
        Path file = root.resolve("big/big-0.jvdb");
        assertThat(Files.size(file)).isGreaterThan(1L << 31);
        try (VectorStore store = VectorStore.open(root, options)) {
            Database db = store.database("big").orElseThrow();
            for (int i : new int[] {0, 4095, 8190, 8191, 8192, COUNT - 1}) {
                float[] expected = vector(i);
                assertThat(db.get("v" + i)).as("v%d", i).hasValueSatisfying(v -> assertThat(v).containsExactly(expected));
            }
            assertThat(db.stats().liveCount()).isEqualTo(COUNT);
            assertThat(store.checkpoint(source)).hasValue(COUNT - 1);
        }
    }
}
