package io.jadevectordb.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The tools against the images a power loss could leave (see {@link CrashConsistencyTest}):
 * verify finds no fault in any of them (what recovery resolves is a note), a lock-free scan
 * reads them without failing, and compaction (which recovers first) followed by replay from
 * the kept checkpoint rebuilds exactly the model's state, although it dropped every deleted
 * entry.
 *
 * <p>Images per run: {@code -Djvdb.tools.crash.images=N} (default 200).
 */
class ToolsOnCrashImagesTest {

    private static final int IMAGES = Integer.getInteger("jvdb.tools.crash.images", 200);

    @TempDir
    Path dir;

    private final StoreOptions options = StoreOptions.defaults().withFlushInterval(Duration.ZERO)
            .withMapChunkBytes(8192).withGrowthBytes(4096);

    @Test
    void verifyFindsNoFaultAndCompactionPlusReplayRestoresTheModel() throws Exception {
        long seed = Long.getLong("jvdb.crash.seed", System.nanoTime());
        Random random = new Random(seed);
        int scenarios = Math.max(1, IMAGES / 20);
        int checked = 0;
        for (int s = 0; s < scenarios; s++) {
            checked += runScenario(random, seed, s, IMAGES / scenarios);
        }
        assertThat(checked).as("images checked (seed %d)", seed).isGreaterThanOrEqualTo(scenarios);
    }

    private int runScenario(Random random, long seed, int scenario, int imageCount) throws Exception {
        Path scenarioDir = dir.resolve("s" + scenario);
        CrashScenario crash = CrashScenario.write(scenarioDir, random, options, 100, 60);
        int dimension = crash.dimension();
        Model model = crash.model();

        for (int image = 0; image < imageCount; image++) {
            Path file = scenarioDir.resolve("image-0.jvdb");
            Files.write(file, crash.crashImage(new Random(random.nextLong())));
            String context = crash.describe(seed, scenario, image);

            ShardReport report = ShardVerifier.verify("crash/image-0.jvdb", file, options);
            assertThat(report.faults()).as(context).isEmpty();
            try (ShardSnapshot snapshot = ShardSnapshot.open("crash/image-0.jvdb", file, options)) {
                Map<String, float[]> seen = new HashMap<>();
                snapshot.scan((id, v) -> assertThat(seen.put(id, v)).as(context + ": %s seen twice", id).isNull());
            }

            ShardCompactor.Result result = ShardCompactor.compact("crash/image-0.jvdb", file, options);
            assertThat(result.recoveredFirst()).as(context).isTrue();
            assertThat(ShardVerifier.verify("crash/image-0.jvdb", file, options).faults()).as(context).isEmpty();
            try (Shard reopened = Shard.openForWrite("crash/image-0.jvdb", file, dimension, 16, options)) {
                assertThat(reopened.wasRecovered()).as(context).isFalse();
                assertThat(reopened.stats().deletedCount()).as(context).isZero();
                long from = reopened.checkpoint().sourceOffset();
                assertThat(from).as(context).isEqualTo(result.sourceOffset());
                crash.replayAfter(from, reopened);
                assertThat(Model.comparable(Model.visible(reopened))).as(context).isEqualTo(Model.comparable(model.live()));
            }
        }
        return imageCount;
    }
}
