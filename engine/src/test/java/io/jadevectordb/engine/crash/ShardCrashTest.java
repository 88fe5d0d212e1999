package io.jadevectordb.engine.crash;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.jadevectordb.engine.Mutation;
import io.jadevectordb.engine.Vectors;


/**
 * The shard judged by the recording crash layer ({@link CrashHarness}): after every power-loss
 * image of a random workload (and of a second crash inside recovery) the shard is exactly its
 * last completed commit, and replaying the source from its checkpoint gives every mutation the
 * outcome it had the first time. A control without forces must be caught.
 *
 * <p>Images per run: {@code -Djvdb.crash.images=N} (default 10,000); seed: {@code -Djvdb.crash.seed=S}.
 */
class ShardCrashTest {

    private static final int IMAGES = Integer.getInteger("jvdb.crash.images", 10_000);

    @TempDir
    Path dir;

    private final ShardUnderTest v2 = new V2ShardUnderTest();

    private static long seed() {
        return Long.getLong("jvdb.crash.seed", System.nanoTime());
    }

    @Test
    void v2IsExactlyItsLastCommitAfterEveryCrashAndReplayGivesTheSameOutcomes() throws Exception {
        CrashHarness harness = new CrashHarness(v2, dir, seed());
        CrashHarness.Findings findings = runRandom(harness, "v2");
        assertThat(findings.exact).as("%s, seed %d", findings, harness.seed()).isEmpty();
    }

    /** Runs the random workloads, checks what every version must pass (the basic checks, enough images, second crashes). */
    private static CrashHarness.Findings runRandom(CrashHarness harness, String version) throws Exception {
        CrashHarness.Findings findings = harness.runRandom(IMAGES);
        System.out.println("ShardCrashTest " + version + ", seed " + harness.seed() + ": " + findings);
        assertThat(findings.basic).as("%s, seed %d", findings, harness.seed()).isEmpty();
        assertThat(findings.images).isGreaterThanOrEqualTo(IMAGES);
        assertThat(findings.secondCrashImages).as("two crashes in a row, seed %d", harness.seed()).isPositive();
        return findings;
    }

    @Test
    void v2KeepsTheCommittedVectorOfAnUncommittedUpdate() throws Exception {
        long seed = seed();
        CrashWorkload.Recorder run = CrashWorkload.Recorder.start(v2, Files.createDirectories(dir.resolve("run")), 8);
        run.apply(Mutation.store("a", Vectors.of(8, 0), 0));
        run.commit();
        run.apply(Mutation.update("a", Vectors.of(8, 1), 1));
        CrashWorkload workload = run.crash();

        CrashHarness.Findings findings = new CrashHarness(v2, dir, seed).checkEveryPoint(workload, "issue 9 scenario 1", 40);

        assertThat(findings.exact).as("%s, seed %d", findings, seed).isEmpty();
        assertThat(findings.basic).as("%s, seed %d", findings, seed).isEmpty();
    }

    @Test
    void findsLostCommitsWhenFormatTwoForcesNothing() throws Exception {
        long seed = seed();
        Random random = new Random(seed);
        CrashWorkload.Recorder run = CrashWorkload.Recorder.startWithoutForces(v2, Files.createDirectories(dir.resolve("run")), 4);
        for (int i = 0; i < 40; i++) {
            run.apply(Mutation.store("id-" + i, Vectors.random(random, 4), run.nextOffset()));
            if (i % 10 == 9) {
                run.commit();
            }
        }
        CrashHarness.Findings findings = new CrashHarness(v2, dir, seed).checkEveryPoint(run.crash(), "no forces", 5);
        assertThat(findings.exact.size() + findings.basic.size()).as("%s, seed %d", findings, seed).isPositive();
    }
}
