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
        int dimension = 1 + random.nextInt(100);
        int idSpace = 20 + random.nextInt(40);
        boolean crashDuringCommit = random.nextBoolean();
        Path scenarioDir = Files.createDirectories(dir.resolve("s" + scenario));
        Path live = scenarioDir.resolve("live-0.jvdb");
        List<Mutation> mutations = new ArrayList<>();
        long offset = 0;
        byte[] committed;
        byte[] dirty;
        try (Shard shard = Shard.openForWrite("crash/live-0.jvdb", live, dimension, 16, options)) {
            for (int i = 0; i < idSpace; i++) {
                mutations.add(Mutation.store("id-" + i, Vectors.random(random, dimension), offset++));
            }
            for (int i = random.nextInt(60); i > 0; i--) {
                mutations.add(Model.randomMutation(random, idSpace, dimension, offset++));
            }
            mutations.forEach(m -> apply(shard, m));
            shard.commit(offset - 1);
            committed = Files.readAllBytes(live);
            int capacity = shard.stats().indexCapacity();
            int room = (int) (capacity * ShardFormat.MAX_LOAD) - idSpace - 1;
            int newIds = Math.min(room, random.nextInt(12));
            int phaseTwo = 1 + random.nextInt(80);
            for (int i = 0; i < phaseTwo; i++) {
                Mutation m = i < newIds ? Mutation.store("new-" + i, Vectors.random(random, dimension), offset++)
                        : Model.randomMutation(random, idSpace, dimension, offset++);
                mutations.add(m);
                apply(shard, m);
            }
            if (crashDuringCommit) {
                shard.commit(offset - 1);
            }
            dirty = Files.readAllBytes(live);
            shard.releaseQuietly();
        }
        Model model = new Model();
        mutations.forEach(model::apply);

        for (int image = 0; image < imageCount; image++) {
            byte[] crashed = CrashConsistencyTest.crashImage(committed, dirty, crashDuringCommit, new Random(random.nextLong()));
            Path file = scenarioDir.resolve("image-0.jvdb");
            Files.write(file, crashed);
            String context = "seed " + seed + ", scenario " + scenario + ", image " + image + " (dimension " + dimension
                    + ", crash during commit " + crashDuringCommit + ")";

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
                for (Mutation m : mutations) {
                    if (m.sourceOffset() > from) {
                        reopened.apply(m, ShardFormat.idBytes(m.id()));
                    }
                }
                assertThat(Model.comparable(Model.visible(reopened))).as(context).isEqualTo(Model.comparable(model.live()));
            }
        }
        return imageCount;
    }

    private static void apply(Shard shard, Mutation m) {
        try {
            shard.apply(m, ShardFormat.idBytes(m.id()));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
