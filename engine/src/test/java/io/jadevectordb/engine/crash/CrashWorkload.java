package io.jadevectordb.engine.crash;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import io.jadevectordb.engine.Mutation;
import io.jadevectordb.engine.Mutations;
import io.jadevectordb.engine.StoreOptions;
import io.jadevectordb.engine.TestOptions;
import io.jadevectordb.engine.io.FileIO;
import io.jadevectordb.oracle.ExpectedDatabase;

/**
 * A run of a shard under recording, with everything the checks need: the source (every
 * mutation in offset order), the outcome each had in this run, and the durable points (what
 * the shard must be after a crash, and the stretch of the recording during which each was
 * being made durable).
 *
 * @param recording every file operation of the run
 * @param source    every mutation, in offset order (offset = index)
 * @param outcomes  the outcome of each mutation in this run, by offset
 * @param points    durable points in order; the first is what the directory held when recording began
 * @param finalLive the live ids after every mutation: what replay from any checkpoint converges to
 * @param dimension vector dimension
 * @param file      the shard's file name in the recorded directory
 */
public record CrashWorkload(Recording recording, List<Mutation> source, List<Mutation.Outcome> outcomes,
                     List<DurablePoint> points, Map<String, float[]> finalLive, int dimension, String file) {

    public static final int MAX_ID_BYTES = 16;
    public static final String FILE = "vectors-0.jvdb";

    /**
     * A state the shard must show after a crash at or after recording index {@code end}
     * (until a later point's {@code end}); a crash inside {@code (start, end)} may show it or
     * the point before.
     *
     * @param sourceOffset the checkpoint it records
     * @param live         live ids and vectors
     * @param deletedCount ids held deleted
     * @param what         for messages
     * @param metadata     metadata of the live ids that have any; null where the run cannot tell (not checked)
     */
    public record DurablePoint(int start, int end, long sourceOffset, Map<String, float[]> live, long deletedCount, String what,
                               Map<String, byte[]> metadata) {

        /** A point whose metadata is not checked. */
        public DurablePoint(int start, int end, long sourceOffset, Map<String, float[]> live, long deletedCount, String what) {
            this(start, end, sourceOffset, live, deletedCount, what, null);
        }
    }

    /** Options of every recorded or checked run: no background flusher (a recording must be deterministic), tiny map chunks and growth steps. */
    public static StoreOptions options(FileIO io) {
        // Format 2: index snapshots (tables of 128 entries and more written in the background) and compactions at
        // small sizes, so commits make them (format 1 ignores all three).
        StoreOptions options = StoreOptions.defaults().withFlushInterval(Duration.ZERO).withMapChunkBytes(8192).withGrowthBytes(4096)
                .withIndexSnapshotBytes(4096).withCompaction(8192, 0.5);
        return TestOptions.withFileIO(TestOptions.withBackgroundSnapshotEntries(options, 128), io);
    }

    /**
     * A random workload against {@code target} in the empty directory {@code dir}: rounds of
     * stores, updates and deletes over a small id space (large enough to grow the index and
     * the file), most rounds committed, some followed by a clean close, a compaction and a
     * reopen, and a tail after the last commit that a crash loses.
     */
    static CrashWorkload random(ShardUnderTest target, Path dir, Random random) throws IOException {
        int dimension = 1 + random.nextInt(24);
        int idSpace = 10 + random.nextInt(110);
        Recorder run = Recorder.start(target, dir, dimension);
        int rounds = 2 + random.nextInt(8);
        for (int round = 0; round < rounds; round++) {
            for (int i = 1 + random.nextInt(30); i > 0; i--) {
                run.apply(Mutations.random(random, idSpace, dimension, run.nextOffset()));
            }
            int choice = random.nextInt(10);
            if (choice < 7 || round == rounds - 1 && choice < 9) {
                run.commit();
                if (choice == 0 && round < rounds - 1) {
                    run.closeCompactAndReopen();
                } else if (choice == 1) {
                    int during = random.nextInt(20);
                    boolean commitDuring = random.nextBoolean();
                    run.compactOnline(() -> {
                        for (int i = 0; i < during; i++) {
                            run.apply(Mutations.random(random, idSpace, dimension, run.nextOffset()));
                            if (commitDuring && i == during / 2) {
                                run.commit();
                            }
                        }
                    });
                }
            }
        }
        return run.crash();
    }

    /** Drives a shard under recording and keeps the model, the outcomes and the durable points. */
    public static final class Recorder {
        private final ShardUnderTest target;
        private final Path dir;
        private final int dimension;
        private final StoreOptions options;
        private final Recording recording;
        private final List<Mutation> source = new ArrayList<>();
        private final List<Mutation.Outcome> outcomes = new ArrayList<>();
        private final List<DurablePoint> points = new ArrayList<>();
        private final ExpectedDatabase model = new ExpectedDatabase();
        private ShardUnderTest.Handle shard;

        private Recorder(ShardUnderTest target, Path dir, int dimension, RecordingFileIO io) throws IOException {
            this.target = target;
            this.dir = dir;
            this.dimension = dimension;
            this.options = options(io);
            this.recording = io.recording();
            points.add(point(0, 0, -1, "nothing yet"));
            shard = target.openForWrite(dir, FILE, dimension, MAX_ID_BYTES, options);
        }

        public static Recorder start(ShardUnderTest target, Path dir, int dimension) throws IOException {
            return new Recorder(target, dir, dimension, RecordingFileIO.under(dir));
        }

        /** Like {@link #start}, but the engine's forces are dropped before they reach the recording: a durability test's control. */
        public static Recorder startWithoutForces(ShardUnderTest target, Path dir, int dimension) throws IOException {
            return new Recorder(target, dir, dimension, RecordingFileIO.under(dir).withoutForces());
        }

        public long nextOffset() {
            return source.size();
        }

        public Mutation.Outcome apply(Mutation m) throws IOException {
            if (m.sourceOffset() != source.size()) {
                throw new IllegalArgumentException("offsets must be consecutive from 0: expected " + source.size() + ", got " + m);
            }
            source.add(m);
            Mutation.Outcome outcome = shard.apply(m);
            outcomes.add(outcome);
            Mutations.applyTo(model, m);
            return outcome;
        }

        public void commit() throws IOException {
            int start = recording.mark();
            shard.commit(source.size() - 1);
            points.add(point(start, recording.mark(), source.size() - 1, "commit at offset " + (source.size() - 1)));
        }

        /** Something the workload runs while an online compaction copies. */
        interface Step {
            void run() throws IOException;
        }

        /**
         * Compacts the open shard (when the version can) while {@code during} applies and
         * commits more: the state stays the last commit's, wherever that commit happened.
         */
        void compactOnline(Step during) throws IOException {
            int[] swapStart = {-1};
            boolean compacted = shard.compactWhile(() -> {
                try {
                    during.run();
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
                swapStart[0] = recording.mark();
            });
            if (compacted) {
                DurablePoint last = points.get(points.size() - 1);
                points.add(new DurablePoint(swapStart[0], recording.mark(), last.sourceOffset(), last.live(),
                        last.deletedCount(), "online compaction", last.metadata()));
            }
        }

        /** Clean close, compaction (when the version has one) and reopen: state and checkpoint stay. */
        void closeCompactAndReopen() throws IOException {
            shard.close();
            int start = recording.mark();
            if (target.compact(dir, FILE, options)) {
                if (target.compactionDropsDeleted()) {
                    model.compact();
                }
                points.add(point(start, recording.mark(), points.get(points.size() - 1).sourceOffset(), "compaction"));
            }
            shard = target.openForWrite(dir, FILE, dimension, MAX_ID_BYTES, options);
        }

        private DurablePoint point(int start, int end, long offset, String what) {
            return new DurablePoint(start, end, offset, new HashMap<>(model.live()), model.deleted().size(), what,
                    new HashMap<>(model.metadata()));
        }

        /** Ends the run with a power loss: nothing more is forced. */
        public CrashWorkload crash() {
            shard.releaseQuietly();
            return new CrashWorkload(recording, List.copyOf(source), List.copyOf(outcomes), List.copyOf(points),
                    new HashMap<>(model.live()), dimension, FILE);
        }
    }

    public long lastOffset() {
        return source.size() - 1;
    }

    /** The states a crash right before operation {@code crashPoint} may leave: the last completed point first, then one in progress. */
    public List<DurablePoint> allowedAt(int crashPoint) {
        List<DurablePoint> allowed = new ArrayList<>();
        DurablePoint last = points.get(0);
        for (DurablePoint p : points) {
            if (p.end() <= crashPoint) {
                last = p;
            } else if (p.start() < crashPoint) {
                allowed.add(p);
            }
        }
        allowed.add(0, last);
        return allowed;
    }
}
