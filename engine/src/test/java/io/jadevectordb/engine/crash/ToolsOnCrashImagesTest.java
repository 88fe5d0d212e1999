package io.jadevectordb.engine.crash;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
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

import io.jadevectordb.engine.CrashScenario;
import io.jadevectordb.engine.Mutation;
import io.jadevectordb.engine.Mutations;
import io.jadevectordb.engine.StoreOptions;
import io.jadevectordb.engine.Vectors;
import io.jadevectordb.engine.format.ShardFormat;
import io.jadevectordb.engine.index.IndexSnapshot;
import io.jadevectordb.engine.shard.Shard;
import io.jadevectordb.engine.shard.ShardView;
import io.jadevectordb.engine.verify.OfflineCompaction;
import io.jadevectordb.engine.verify.ShardReport;
import io.jadevectordb.engine.verify.ShardVerifier;

/**
 * The tools against the format 2 images a power loss could leave: verify finds no fault in
 * any of them (records past the committed end are not looked at), a lock-free view sees exactly
 * the model's state at the image's checkpoint, and compaction (which recovers first) followed by
 * replay from the kept checkpoint rebuilds exactly the model's final state.
 *
 * <p>Images per run: {@code -Djvdb.tools.crash.images=N} (default 200); seed: {@code -Djvdb.crash.seed}.
 */
class ToolsOnCrashImagesTest {

    private static final int IMAGES = Integer.getInteger("jvdb.tools.crash.images", 200);
    private static final String NAME = "crash/image-0.jvdb";

    @TempDir
    Path dir;

    // No snapshot or automatic compaction inside a commit, so the snapshot on disk is the one of phase one.
    private final StoreOptions options = StoreOptions.defaults().withFlushInterval(Duration.ZERO)
            .withMapChunkBytes(8192).withGrowthBytes(4096).withIndexSnapshotBytes(1L << 40).withCompaction(0, 0.5);

    @Test
    void verifyFindsNoFaultReadersSeeTheCheckpointAndCompactionPlusReplayRestoresTheModel() throws Exception {
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
        Path scenarioDir = Files.createDirectories(dir.resolve("s" + scenario));
        Scenario crash = Scenario.write(scenarioDir, random, options);
        for (int image = 0; image < imageCount; image++) {
            Path file = scenarioDir.resolve("image-0.jvdb");
            Files.write(file, crash.crashImage(new Random(random.nextLong())));
            Files.write(IndexSnapshot.fileOf(file), crash.snapshot);
            String context = "seed " + seed + ", scenario " + scenario + ", image " + image + " (dimension " + crash.dimension
                    + ", crash during commit " + crash.crashDuringCommit + ")";

            ShardReport report = ShardVerifier.verify(NAME, file, options);
            assertThat(report.faults()).as(context).isEmpty();
            long checkpoint = report.checkpoint().sourceOffset();
            // Exactly one of the two commits, never anything between them.
            assertThat(checkpoint).as(context).isIn(crash.committedOffset, crash.crashDuringCommit ? crash.lastOffset : crash.committedOffset);
            try (ShardView view = ShardView.open(NAME, file, options)) {
                Map<String, float[]> seen = new HashMap<>();
                assertThat(view.scan((id, v) -> assertThat(seen.put(id, v)).as(context + ": %s seen twice", id).isNull()))
                        .as(context).isZero();
                assertThat(ShardContents.comparable(seen)).as(context)
                        .isEqualTo(ShardContents.comparable(crash.modelThrough(checkpoint)));
            }

            OfflineCompaction.Result result = OfflineCompaction.compact(NAME, file, options);
            assertThat(result.recoveredFirst()).as(context).isTrue();
            assertThat(result.sourceOffset()).as(context).isEqualTo(checkpoint);
            assertThat(ShardVerifier.verify(NAME, file, options).problems()).as(context).isEmpty();
            try (Shard reopened = Shard.openForWrite(NAME, file, crash.dimension, 16, options)) {
                assertThat(reopened.wasRecovered()).as(context).isFalse();
                crash.replayAfter(checkpoint, reopened);
                Map<String, float[]> state = new HashMap<>();
                reopened.scan(state::put);
                Map<String, float[]> expected = crash.modelThrough(crash.lastOffset);
                assertThat(ShardContents.comparable(state)).as(context).isEqualTo(ShardContents.comparable(expected));
            }
        }
        return imageCount;
    }

    /**
     * A format 2 shard committed, closed (which writes its index snapshot), reopened and
     * committed again (a log tail after the snapshot), then written further (phase two), which
     * in the "crash during commit" variant ends with a commit whose checkpoint reaches the disk
     * only after every record it covers.
     */
    private record Scenario(int dimension, boolean crashDuringCommit, byte[] committed, byte[] dirty, byte[] snapshot,
                            List<Mutation> mutations, long committedOffset, long lastOffset) {

        static Scenario write(Path dir, Random random, StoreOptions options) throws IOException {
            int dimension = 1 + random.nextInt(64);
            int idSpace = 20 + random.nextInt(40);
            boolean crashDuringCommit = random.nextBoolean();
            Path live = dir.resolve("live-0.jvdb");
            List<Mutation> mutations = new ArrayList<>();
            long offset = 0;
            try (Shard shard = Shard.openForWrite("crash/live-0.jvdb", live, dimension, 16, options)) {
                for (int i = 0; i < idSpace; i++) {
                    offset = apply(shard, mutations, Mutation.store("id-" + i, Vectors.random(random, dimension), offset));
                }
                shard.commit(offset - 1);
            }
            Shard shard = Shard.openForWrite("crash/live-0.jvdb", live, dimension, 16, options);
            try {
                for (int i = random.nextInt(40); i > 0; i--) {
                    offset = apply(shard, mutations, Mutations.random(random, idSpace, dimension, offset));
                }
                long committedOffset = offset - 1;
                shard.commit(committedOffset);
                byte[] committed = Files.readAllBytes(live);
                byte[] snapshot = Files.readAllBytes(IndexSnapshot.fileOf(live));
                for (int i = 1 + random.nextInt(80); i > 0; i--) {
                    offset = apply(shard, mutations, Mutations.random(random, idSpace, dimension, offset));
                }
                if (crashDuringCommit) {
                    shard.commit(offset - 1);
                }
                byte[] dirty = Files.readAllBytes(live);
                return new Scenario(dimension, crashDuringCommit, committed, dirty, snapshot, mutations, committedOffset, offset - 1);
            } finally {
                shard.releaseQuietly();
            }
        }

        private static long apply(Shard shard, List<Mutation> log, Mutation m) throws IOException {
            log.add(m);
            shard.apply(m, ShardFormat.idBytes(m.id()));
            return m.sourceOffset() + 1;
        }

        /** The model after every mutation up to {@code offset}. */
        Map<String, float[]> modelThrough(long offset) {
            return Mutations.expectedAfter(mutations.stream().filter(m -> m.sourceOffset() <= offset)).live();
        }

        void replayAfter(long checkpoint, Shard shard) throws IOException {
            for (Mutation m : mutations) {
                if (m.sourceOffset() > checkpoint) {
                    shard.apply(m, ShardFormat.idBytes(m.id()));
                }
            }
        }

        /**
         * The committed bytes plus an arbitrary subset of the pages phase two dirtied, each
         * whole or torn at sector granularity. The header page changes only by the new
         * checkpoint, which lands (whole, or torn so that its sector may still be old) only after
         * every record page, since a commit forces the records before it writes the checkpoint.
         */
        byte[] crashImage(Random random) {
            return CrashScenario.crashImage(committed, dirty, crashDuringCommit, random);
        }
    }
}
