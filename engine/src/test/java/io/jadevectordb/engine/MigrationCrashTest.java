package io.jadevectordb.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.jadevectordb.engine.crash.CrashHarness;
import io.jadevectordb.engine.crash.CrashWorkload;
import io.jadevectordb.engine.crash.PowerLossImages;
import io.jadevectordb.engine.crash.ShardUnderTest;
import io.jadevectordb.engine.crash.V2ShardUnderTest;
import io.jadevectordb.engine.io.FileIO;

/**
 * Migrating a crashed format 1 shard gives format 2's promise from the start: the shard is its
 * last commit (no vector written after it is served, no id it held is lost), and replaying the
 * source from the checkpoint gives every mutation the outcome it had in the run without a crash.
 * Format 1 updated in place, so a crash could tear the committed vector of an id (recovery marks
 * it offset -1 and still counts the id present) or leave a whole but uncommitted one.
 */
class MigrationCrashTest {

    private static final int DIMENSION = 8;

    @TempDir
    Path dir;

    @Test
    void aMigratedCrashImageIsItsLastCommitAndReplayGivesEveryFirstOutcome() throws Exception {
        long seed = Long.getLong("jvdb.crash.seed", System.nanoTime());
        Random random = new Random(seed);
        CrashWorkload.Recorder run = CrashWorkload.Recorder.start(new V1ShardUnderTest(), Files.createDirectories(dir.resolve("run")),
                DIMENSION);
        for (int i = 0; i < 6; i++) {
            run.apply(Mutation.store("id-" + i, Vectors.random(random, DIMENSION), run.nextOffset()));
        }
        run.apply(Mutation.delete("id-5", run.nextOffset()));
        run.commit();
        // After the commit, in place: updates (one of them twice), a delete, a store over a deleted id, an update after a delete.
        run.apply(Mutation.update("id-0", Vectors.random(random, DIMENSION), run.nextOffset()));
        run.apply(Mutation.store("id-1", Vectors.random(random, DIMENSION), run.nextOffset()));
        run.apply(Mutation.delete("id-2", run.nextOffset()));
        run.apply(Mutation.update("id-2", Vectors.random(random, DIMENSION), run.nextOffset()));
        run.apply(Mutation.store("id-5", Vectors.random(random, DIMENSION), run.nextOffset()));
        run.apply(Mutation.update("id-0", Vectors.random(random, DIMENSION), run.nextOffset()));
        CrashWorkload workload = run.crash();

        PowerLossImages images = new PowerLossImages(workload.recording());
        List<String> findings = new ArrayList<>();
        int checked = 0;
        for (int point = 0; point <= images.size(); point++) {
            for (int i = 0; i < 12; i++) {
                Path image = dir.resolve("image");
                CrashHarness.deleteTree(image);
                images.materialise(point, new Random(random.nextLong()), image);
                if (!Files.exists(image.resolve(workload.file()))) {
                    continue;
                }
                checked++;
                String problem = check(workload, point, image);
                if (problem != null && findings.size() < 5) {
                    findings.add("crash point " + point + ", image " + i + ": " + problem);
                }
            }
        }
        assertThat(checked).isPositive();
        assertThat(findings).as("seed %d (-Djvdb.crash.seed)", seed).isEmpty();
    }

    /** Null when the migrated image is right, else what is wrong. */
    private static String check(CrashWorkload w, int point, Path image) throws Exception {
        ShardUnderTest.Handle shard = new V2ShardUnderTest().openForWrite(image, w.file(), w.dimension(), CrashWorkload.MAX_ID_BYTES,
                CrashWorkload.options(FileIO.SYSTEM));
        try {
            long checkpoint = shard.checkpointOffset();
            CrashWorkload.DurablePoint committed = w.allowedAt(point).stream().filter(p -> p.sourceOffset() == checkpoint)
                    .findFirst().orElse(null);
            if (committed == null) {
                return "checkpoint " + checkpoint + " is not one a crash here may leave";
            }
            Set<String> touchedAfter = new TreeSet<>();
            w.source().stream().filter(m -> m.sourceOffset() > checkpoint).forEach(m -> touchedAfter.add(m.id()));
            for (Map.Entry<String, float[]> e : shard.scan().entrySet()) {
                float[] expected = committed.live().get(e.getKey());
                if (expected == null || !Arrays.equals(expected, e.getValue())) {
                    return "serves '" + e.getKey() + "' with a vector its last commit (offset " + checkpoint + ") does not hold";
                }
            }
            for (String id : committed.live().keySet()) {
                if (shard.get(id) == null && !touchedAfter.contains(id)) {
                    return "lost '" + id + "', which its last commit holds and nothing after it touched";
                }
            }
            List<String> changed = new ArrayList<>();
            for (Mutation m : w.source()) {
                if (m.sourceOffset() > checkpoint) {
                    Mutation.Outcome outcome = shard.apply(m);
                    Mutation.Outcome first = w.outcomes().get((int) m.sourceOffset());
                    if (outcome != first) {
                        changed.add(m.op() + " '" + m.id() + "' at " + m.sourceOffset() + ": " + outcome + " on replay, " + first + " first");
                    }
                }
            }
            if (!changed.isEmpty()) {
                return "replay from " + checkpoint + " changed outcomes: " + changed;
            }
            Map<String, float[]> replayed = shard.scan();
            if (!replayed.keySet().equals(w.finalLive().keySet())
                    || w.finalLive().entrySet().stream().anyMatch(e -> !Arrays.equals(e.getValue(), replayed.get(e.getKey())))) {
                return "after replay the shard is not the source's final state: " + replayed.keySet() + " vs " + w.finalLive().keySet();
            }
            shard.commit(w.lastOffset());
            return null;
        } finally {
            shard.releaseQuietly();
        }
    }
}
