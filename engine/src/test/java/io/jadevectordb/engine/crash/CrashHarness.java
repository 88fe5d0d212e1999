package io.jadevectordb.engine.crash;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeSet;
import java.util.stream.Stream;

import io.jadevectordb.engine.Mutation;
import io.jadevectordb.engine.io.FileIO;

/**
 * Judges a {@link ShardUnderTest} on power-loss images of recorded workloads.
 *
 * <p>For each image (see {@link PowerLossImages}) it opens the shard, then checks:
 * <ol>
 *   <li><b>exact</b>: the reopened shard is exactly a durable point allowed at the crash point
 *       (the last completed commit, or the one in progress), with its checkpoint: the same ids,
 *       vectors, live and deleted counts, nothing after it, nothing missing, no mixture;</li>
 *   <li><b>exact</b>: replaying the source after the recovered checkpoint gives every mutation
 *       the outcome it had in the run without a crash;</li>
 *   <li><b>basic</b>: opening succeeds, the checkpoint is one allowed at the crash point, the
 *       shard converges to the source's final state after replay, and the verifier finds no
 *       fault, neither in the raw image nor after recovery, replay and commit.</li>
 * </ol>
 * A share of the images is crashed again: the image is opened, recovered, replayed and
 * committed under recording, and an image of <em>that</em> recording is checked the same way
 * (two crashes in a row, the second anywhere in recovery or after).
 *
 * <p>Every finding names the version, the seed ({@code -Djvdb.crash.seed=S} replays the whole
 * run), the workload, the crash point with the operations around it, and the image's files.
 */
public final class CrashHarness {

    /** How many findings of each kind keep their full message. */
    private static final int KEPT = 5;

    private final ShardUnderTest target;
    private final Path work;
    private final long seed;
    private final Random random;
    private final Findings findings = new Findings();

    public CrashHarness(ShardUnderTest target, Path work, long seed) {
        this.target = target;
        this.work = work;
        this.seed = seed;
        this.random = new Random(seed);
    }

    /** What the checks found. */
    public static final class Findings {
        public int images;
        public int secondCrashImages;
        public int exactViolations;
        public int basicViolations;
        public final List<String> exact = new ArrayList<>();
        public final List<String> basic = new ArrayList<>();

        void exact(String message) {
            exactViolations++;
            if (exact.size() < KEPT) {
                exact.add(message);
            }
        }

        void basic(String message) {
            basicViolations++;
            if (basic.size() < KEPT) {
                basic.add(message);
            }
        }

        @Override
        public String toString() {
            return images + " images (" + secondCrashImages + " after a second crash): " + exactViolations
                    + " violate the exact checks, " + basicViolations + " the basic ones";
        }
    }

    public long seed() {
        return seed;
    }

    /** Runs random workloads until at least {@code images} images were checked. */
    public Findings runRandom(int images) throws IOException {
        for (int w = 0; findings.images < images; w++) {
            Path dir = work.resolve("w" + w);
            CrashWorkload workload = CrashWorkload.random(target, Files.createDirectories(dir), random);
            check(workload, "workload " + w, Math.min(images - findings.images, 20 + random.nextInt(100)), 0.2);
            deleteTree(dir);
        }
        return findings;
    }

    /** Checks {@code count} images of {@code workload} at random crash points; {@code again} is the share crashed twice. */
    public Findings check(CrashWorkload workload, String label, int count, double again) throws IOException {
        PowerLossImages images = new PowerLossImages(workload.recording());
        int[] points = new int[count];
        for (int i = 0; i < count; i++) {
            points[i] = random.nextInt(images.size() + 1);
        }
        Arrays.sort(points); // images are built incrementally along the recording
        for (int i = 0; i < count; i++) {
            checkImage(workload, images, points[i], label + ", image " + i, random.nextDouble() < again);
        }
        return findings;
    }

    /** Checks one image at every crash point of the recording, each {@code perPoint} times. */
    public Findings checkEveryPoint(CrashWorkload workload, String label, int perPoint) throws IOException {
        PowerLossImages images = new PowerLossImages(workload.recording());
        for (int point = 0; point <= images.size(); point++) {
            for (int i = 0; i < perPoint; i++) {
                checkImage(workload, images, point, label + ", image " + i + " at point " + point, false);
            }
        }
        return findings;
    }

    private void checkImage(CrashWorkload w, PowerLossImages images, int crashPoint, String label, boolean crashAgain)
            throws IOException {
        long imageSeed = random.nextLong();
        Path image = work.resolve(crashAgain ? "image" : "image-" + (findings.images % 2));
        deleteTree(image);
        List<Path> files = images.materialise(crashPoint, new Random(imageSeed), image);
        findings.images++;
        String context = target.describe() + ", seed " + seed + ", " + label + ": " + w.recording().describe(crashPoint)
                + "\n  image files " + files + " (dimension " + w.dimension() + ", last offset " + w.lastOffset() + ")";

        List<String> faults = target.verify(image, w.file(), CrashWorkload.options(FileIO.SYSTEM));
        if (!faults.isEmpty()) {
            findings.basic(context + "\n  verify finds faults in the crash image: " + faults);
        }
        RecordingFileIO io = RecordingFileIO.under(image);
        ShardUnderTest.Handle shard;
        try {
            shard = target.openForWrite(image, w.file(), w.dimension(), CrashWorkload.MAX_ID_BYTES, CrashWorkload.options(io));
        } catch (IOException | RuntimeException e) {
            findings.basic(context + "\n  opening the image failed: " + e);
            return;
        }
        boolean released = false;
        try {
            int recovered = io.recording().mark();
            long checkpoint = shard.checkpointOffset();
            Map<String, float[]> state = shard.scan();
            Map<String, byte[]> metadata = shard.metadata();
            long live = shard.liveCount();
            long deleted = shard.deletedCount();
            List<CrashWorkload.DurablePoint> allowed = w.allowedAt(crashPoint);
            if (allowed.stream().noneMatch(p -> p.sourceOffset() == checkpoint)) {
                findings.basic(context + "\n  recovered checkpoint " + checkpoint + ", but a crash here may only leave "
                        + allowed.stream().map(p -> p.sourceOffset() + " (" + p.what() + ")").toList());
            } else if (allowed.stream().noneMatch(p -> p.sourceOffset() == checkpoint && sameState(p, state, live, deleted))) {
                CrashWorkload.DurablePoint expected = allowed.stream().filter(p -> p.sourceOffset() == checkpoint).findFirst().get();
                findings.exact(context + "\n  the reopened shard is not its last committed state (" + expected.what()
                        + ", checkpoint " + checkpoint + "): " + difference(expected, state, live, deleted));
            } else if (allowed.stream().noneMatch(p -> p.sourceOffset() == checkpoint && sameState(p, state, live, deleted)
                    && (p.metadata() == null || sameMetadata(p.metadata(), metadata)))) {
                CrashWorkload.DurablePoint expected = allowed.stream().filter(p -> p.sourceOffset() == checkpoint).findFirst().get();
                findings.exact(context + "\n  the reopened shard's metadata is not its last committed state's (" + expected.what()
                        + ", checkpoint " + checkpoint + "): " + metadataDifference(expected.metadata(), metadata));
            }

            List<String> changed = new ArrayList<>();
            for (Mutation m : w.source()) {
                if (m.sourceOffset() > checkpoint) {
                    Mutation.Outcome outcome = shard.apply(m);
                    Mutation.Outcome first = w.outcomes().get((int) m.sourceOffset());
                    if (outcome != first) {
                        changed.add(m.op() + " '" + m.id() + "' at offset " + m.sourceOffset() + ": " + outcome
                                + " on replay, " + first + " in the run without a crash");
                    }
                }
            }
            if (!changed.isEmpty()) {
                findings.exact(context + "\n  replay from checkpoint " + checkpoint + " changed " + changed.size()
                        + " outcome(s), first: " + changed.subList(0, Math.min(3, changed.size())));
            }
            Map<String, float[]> replayed = shard.scan();
            if (!sameLive(w.finalLive(), replayed) || shard.liveCount() != w.finalLive().size()) {
                findings.basic(context + "\n  after replay from checkpoint " + checkpoint + " the shard is not the source's final state: "
                        + liveDifference(w.finalLive(), replayed) + ", live count " + shard.liveCount() + " (expected "
                        + w.finalLive().size() + ")");
            }
            long replayedDeleted = shard.deletedCount();
            int commitStart = io.recording().mark();
            shard.commit(w.lastOffset());
            int committed = io.recording().mark();
            shard.close();
            released = true;
            List<String> after = target.verify(image, w.file(), CrashWorkload.options(FileIO.SYSTEM));
            if (!after.isEmpty()) {
                findings.basic(context + "\n  verify finds faults after recovery, replay and commit: " + after);
            }
            if (crashAgain) {
                findings.secondCrashImages++;
                CrashWorkload second = new CrashWorkload(io.recording(), w.source(), w.outcomes(), List.of(
                        new CrashWorkload.DurablePoint(0, recovered, checkpoint, state, deleted, "the first crash's recovered state",
                                metadata),
                        new CrashWorkload.DurablePoint(commitStart, committed, w.lastOffset(), replayed, replayedDeleted,
                                "commit after replay")), w.finalLive(), w.dimension(), w.file());
                PowerLossImages again = new PowerLossImages(second.recording());
                checkImage(second, again, random.nextInt(again.size() + 1), label + " (crashed at point " + crashPoint
                        + "), crashed again", false);
            }
        } catch (IOException | RuntimeException e) {
            findings.basic(context + "\n  recovery, replay or commit failed: " + e);
        } finally {
            if (!released) {
                shard.releaseQuietly();
            }
        }
    }

    private static boolean sameState(CrashWorkload.DurablePoint p, Map<String, float[]> state, long live, long deleted) {
        return sameLive(p.live(), state) && live == p.live().size() && deleted == p.deletedCount();
    }

    private static boolean sameMetadata(Map<String, byte[]> expected, Map<String, byte[]> actual) {
        return expected.keySet().equals(actual.keySet())
                && expected.entrySet().stream().allMatch(e -> Arrays.equals(e.getValue(), actual.get(e.getKey())));
    }

    private static String metadataDifference(Map<String, byte[]> expected, Map<String, byte[]> actual) {
        if (expected == null) {
            return "not known";
        }
        TreeSet<String> differing = new TreeSet<>(expected.keySet());
        differing.addAll(actual.keySet());
        differing.removeIf(id -> Arrays.equals(expected.get(id), actual.get(id)));
        return differing.size() + " id(s) differ, first " + differing.stream().limit(3).toList();
    }

    private static boolean sameLive(Map<String, float[]> expected, Map<String, float[]> actual) {
        if (!expected.keySet().equals(actual.keySet())) {
            return false;
        }
        return expected.entrySet().stream().allMatch(e -> Arrays.equals(e.getValue(), actual.get(e.getKey())));
    }

    private static String difference(CrashWorkload.DurablePoint p, Map<String, float[]> state, long live, long deleted) {
        return liveDifference(p.live(), state) + "; live count " + live + " (expected " + p.live().size() + "), deleted count "
                + deleted + " (expected " + p.deletedCount() + ")";
    }

    private static String liveDifference(Map<String, float[]> expected, Map<String, float[]> actual) {
        TreeSet<String> missing = new TreeSet<>(expected.keySet());
        missing.removeAll(actual.keySet());
        TreeSet<String> extra = new TreeSet<>(actual.keySet());
        extra.removeAll(expected.keySet());
        TreeSet<String> other = new TreeSet<>();
        expected.forEach((id, v) -> {
            if (actual.containsKey(id) && !Arrays.equals(v, actual.get(id))) {
                other.add(id);
            }
        });
        return "missing ids " + first(missing) + ", unexpected ids " + first(extra) + ", other vectors for " + first(other);
    }

    private static String first(TreeSet<String> ids) {
        return ids.size() <= 8 ? ids.toString() : ids.stream().limit(8).toList() + " and " + (ids.size() - 8) + " more";
    }

    public static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.delete(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }
    }
}
