package io.jadevectordb.engine.crash;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import io.jadevectordb.engine.FormatOneFixtures;
import io.jadevectordb.engine.Mutation;
import io.jadevectordb.engine.Mutations;
import io.jadevectordb.engine.io.FileIO;
import io.jadevectordb.oracle.ExpectedDatabase;

/**
 * Migrating a crashed format 1 shard gives format 2's promise from the start: the shard is its
 * last commit (no vector written after it is served, no id it held is lost), and replaying the
 * source from the checkpoint gives every mutation the outcome it had in the run without a crash.
 * Format 1 updated in place, so a crash could tear the committed vector of an id (recovery marks
 * it offset -1 and still counts the id present) or leave a whole but uncommitted one. The images
 * are power-loss images of a recorded format 1 workload, kept as fixtures (see
 * {@code src/test/resources/format1/README.md}).
 */
class MigrationCrashTest {

    @TempDir
    Path dir;

    static List<String> images() {
        return FormatOneFixtures.CRASH_IMAGES;
    }

    @ParameterizedTest
    @MethodSource("images")
    void aMigratedCrashImageIsItsLastCommitAndReplayGivesEveryFirstOutcome(String fixture) throws Exception {
        List<FormatOneFixtures.Recorded> recorded = FormatOneFixtures.crashWorkload();
        List<Mutation> source = recorded.stream().map(FormatOneFixtures.Recorded::mutation).toList();
        List<Mutation.Outcome> outcomes = recorded.stream().map(FormatOneFixtures.Recorded::outcome).toList();
        Path image = Files.createDirectories(dir.resolve(fixture));
        FormatOneFixtures.copy(fixture, image.resolve(CrashWorkload.FILE));
        int dimension = source.get(0).vector().length;
        assertThat(check(source, outcomes, dimension, image)).isNull();
    }

    /** Null when the migrated image is right, else what is wrong. */
    private static String check(List<Mutation> source, List<Mutation.Outcome> outcomes, int dimension, Path image) throws Exception {
        ShardUnderTest.Handle shard = new V2ShardUnderTest().openForWrite(image, CrashWorkload.FILE, dimension,
                CrashWorkload.MAX_ID_BYTES, CrashWorkload.options(FileIO.SYSTEM));
        try {
            long checkpoint = shard.checkpointOffset();
            ExpectedDatabase committed = Mutations.expectedAfter(source.stream().filter(m -> m.sourceOffset() <= checkpoint));
            Set<String> touchedAfter = new TreeSet<>();
            source.stream().filter(m -> m.sourceOffset() > checkpoint).forEach(m -> touchedAfter.add(m.id()));
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
            for (Mutation m : source) {
                if (m.sourceOffset() > checkpoint) {
                    Mutation.Outcome outcome = shard.apply(m);
                    Mutation.Outcome first = outcomes.get((int) m.sourceOffset());
                    if (outcome != first) {
                        changed.add(m.op() + " '" + m.id() + "' at " + m.sourceOffset() + ": " + outcome + " on replay, " + first + " first");
                    }
                }
            }
            if (!changed.isEmpty()) {
                return "replay from " + checkpoint + " changed outcomes: " + changed;
            }
            Map<String, float[]> replayed = shard.scan();
            Map<String, float[]> finalLive = Mutations.expectedAfter(source.stream()).live();
            if (!replayed.keySet().equals(finalLive.keySet())
                    || finalLive.entrySet().stream().anyMatch(e -> !Arrays.equals(e.getValue(), replayed.get(e.getKey())))) {
                return "after replay the shard is not the source's final state: " + replayed.keySet() + " vs " + finalLive.keySet();
            }
            shard.commit(source.size() - 1);
            return null;
        } finally {
            shard.releaseQuietly();
        }
    }
}
