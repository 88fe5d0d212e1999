package io.jadevectordb.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.jadevectordb.engine.crash.ShardContents;
import io.jadevectordb.oracle.ExpectedDatabase;

/**
 * Images a power loss could leave, opened, replayed and compared with the model.
 *
 * <p>A shard is written and committed, then written further (phase two). The crash image is
 * the committed file plus an arbitrary subset of the 4 KiB pages that phase two dirtied, each
 * page taken whole, or torn (an arbitrary subset of its 512-byte sectors), or not at all. In
 * the "crash during commit" variant phase two ends with a commit, whose checkpoint page can
 * only have reached the disk after every data page (that is the order commit forces in).
 * Opening the image must succeed, and replaying the source after the recovered checkpoint must
 * rebuild exactly the model's state.
 *
 * <p>Images per run: {@code -Djvdb.crash.images=N} (default 2000).
 */
public class CrashConsistencyTest {

    private static final int PAGE = CrashScenario.PAGE;
    private static final int IMAGES = Integer.getInteger("jvdb.crash.images", 2000);

    @TempDir
    Path dir;

    private final StoreOptions options = StoreOptions.defaults().withFlushInterval(Duration.ZERO)
            .withMapChunkBytes(8192).withGrowthBytes(PAGE);

    @Test
    void everyCrashImageRecoversToTheModelAfterReplay() throws Exception {
        long seed = Long.getLong("jvdb.crash.seed", System.nanoTime());
        Random random = new Random(seed);
        int scenarios = Math.max(1, IMAGES / 50);
        int images = 0;
        for (int s = 0; s < scenarios; s++) {
            images += runScenario(random, seed, s, IMAGES / scenarios);
        }
        assertThat(images).as("images checked (seed %d)", seed).isGreaterThanOrEqualTo(IMAGES - scenarios);
    }

    private int runScenario(Random random, long seed, int scenario, int imageCount) throws Exception {
        Path scenarioDir = dir.resolve("s" + scenario);
        CrashScenario crash = CrashScenario.write(scenarioDir, random, options, 300, 80);
        ExpectedDatabase model = crash.model();
        int checked = 0;
        for (int image = 0; image < imageCount; image++) {
            Path file = scenarioDir.resolve("image-0.jvdb");
            Files.write(file, crash.crashImage(new Random(random.nextLong())));
            String context = crash.describe(seed, scenario, image);
            try (Shard recovered = Shard.openForWrite("crash/image-0.jvdb", file, crash.dimension(), 16, options)) {
                long from = recovered.checkpoint().sourceOffset();
                assertThat(from).as(context).isIn(crash.committedOffset(), crash.lastOffset());
                crash.replayAfter(from, recovered);
                assertThat(ShardContents.comparable(ShardContents.visible(recovered))).as(context)
                        .isEqualTo(ShardContents.comparable(model.live()));
                assertThat(recovered.stats().liveCount()).as(context).isEqualTo(model.live().size());
            }
            checked++;
        }
        return checked;
    }

    @Test
    void tornWriteOfTheNewestCheckpointFallsBackToThePreviousOne() throws IOException {
        Path file = dir.resolve("t-0.jvdb");
        try (Shard shard = Shard.openForWrite("t/t-0.jvdb", file, 4, 16, options)) {
            shard.apply(Mutation.store("a", Vectors.of(4, 1), 0), ShardFormat.idBytes("a"));
            shard.commit(0);
            shard.apply(Mutation.store("b", Vectors.of(4, 2), 1), ShardFormat.idBytes("b"));
            shard.commit(1);
            shard.releaseQuietly();
        }
        byte[] bytes = Files.readAllBytes(file);
        Checkpoint newest = Checkpoint.newest("t", Arrays.copyOf(bytes, PAGE));
        bytes[newest.headerOffset() + 8] ^= 0x5a; // tear the newest copy
        Files.write(file, bytes);
        Checkpoint fallback = Shard.readCheckpoint("t", file);
        assertThat(fallback.generation()).isEqualTo(newest.generation() - 1);
        try (Shard shard = Shard.openForWrite("t/t-0.jvdb", file, 4, 16, options)) {
            assertThat(shard.checkpoint().sourceOffset()).isEqualTo(fallback.sourceOffset());
            assertThat(shard.get(ShardFormat.idBytes("a"))).containsExactly(Vectors.of(4, 1));
        }
    }
}
