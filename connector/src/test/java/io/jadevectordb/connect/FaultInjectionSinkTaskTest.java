package io.jadevectordb.connect;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.errors.RetriableException;
import org.apache.kafka.connect.sink.SinkRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.jadevectordb.connect.apply.InvalidRecordException;
import io.jadevectordb.connect.fixtures.ExpectedMetadata;
import io.jadevectordb.connect.fixtures.Meta;
import io.jadevectordb.connect.offsets.KafkaPosition;
import io.jadevectordb.engine.Database;
import io.jadevectordb.engine.Mutation.Op;
import io.jadevectordb.engine.ShardStats;
import io.jadevectordb.engine.StoreOptions;
import io.jadevectordb.engine.StoredVector;
import io.jadevectordb.engine.VectorStore;
import io.jadevectordb.engine.crash.InjectedFault;
import io.jadevectordb.engine.crash.PowerLossRecorder;
import io.jadevectordb.oracle.ExpectedDatabase;

/**
 * The commit invariant at every {@code preCommit} under injected engine faults: the real
 * {@link VectorSinkTask}, driven without a broker the way a worker drives it, on a store whose
 * file I/O goes through the engine's fault layer ({@link InjectedFault}) in front of the
 * power-loss recorder. Per seeded fault point, one operation through the seam fails (an I/O
 * error, perhaps after a short write, or an interrupt) during a small workload of two
 * partitions and two databases (stores, updates and deletes of reused ids, each with metadata;
 * updates that re-tag without a vector, or replace the vector without metadata; small batches,
 * growth and index snapshots).
 *
 * <p>Checks, per point:
 * <ol>
 *   <li>at every {@code preCommit} return, the forced-only power-loss image and one random one
 *       hold, for each returned offset, exactly the model (vectors and metadata bytes) of the
 *       partition's records up to the shard's checkpoint, which is at or past the returned
 *       offset (nothing below it lost, nothing uncommitted served);</li>
 *   <li>a fault that fails the task is handled as Connect does: a last {@code preCommit} (its
 *       offsets checked too), {@code close}, {@code stop} (only {@link ConnectException}s, no hang),
 *       then a fresh task without faults on the same data dir (every other point: on the
 *       forced-only image of it, a power loss right after the failure), seeked where it asks or
 *       to the last committed offset; it replays to the end of the topic, commits it, and the
 *       store equals the model of the whole topic (power-loss image at that commit included);</li>
 *   <li>every record is valid, so none may be dead-lettered or fail the task as a bad record
 *       (a failed task once re-applied its buffers on a shard reopened at its checkpoint, and a
 *       valid UPDATE of an id stored after it was rejected).</li>
 * </ol>
 * A control swallows one write (reports success, writes nothing): the checks must catch it.
 *
 * <p>Fault points: {@code -Djvdb.fault.points=N} (default 100); seed: {@code -Djvdb.fault.seed=S},
 * printed in every failure with the workload and the operation that failed.
 */
class FaultInjectionSinkTaskTest {

    private static final int POINTS = Integer.getInteger("jvdb.fault.points", 100);
    private static final int POINTS_PER_WORKLOAD = 20;
    private static final String TOPIC = "vectors";
    private static final List<TopicPartition> PARTITIONS = List.of(new TopicPartition(TOPIC, 0), new TopicPartition(TOPIC, 1));
    private static final Map<String, Integer> DIMENSIONS = Map.of("a", 4, "b", 3);
    /** The sink's fields and, around them, metadata fields in {@link Meta#structOrder()}'s order. */
    private static final Schema VALUE = SchemaBuilder.struct().name("VectorMutation")
            .field("title", Schema.OPTIONAL_STRING_SCHEMA)
            .field("database", Schema.STRING_SCHEMA)
            .field("id", Schema.STRING_SCHEMA)
            .field("op", Schema.STRING_SCHEMA)
            .field("vector", SchemaBuilder.array(Schema.FLOAT32_SCHEMA).optional().build())
            .field("model", Schema.OPTIONAL_STRING_SCHEMA)
            .field("lang", Schema.OPTIONAL_STRING_SCHEMA)
            .field("year", Schema.OPTIONAL_INT32_SCHEMA)
            .field("score", Schema.OPTIONAL_FLOAT64_SCHEMA)
            .field("tags", SchemaBuilder.array(Schema.OPTIONAL_STRING_SCHEMA).optional().build())
            .build();
    /** A task that hangs is a finding; this only bounds how long the build waits to report it. */
    private static final long HANG_MINUTES = 2;

    @TempDir
    Path tmp;

    private static long seed() {
        return Long.getLong("jvdb.fault.seed", System.nanoTime());
    }

    @Test
    void everyPreCommitUnderInjectedEngineFaultsReturnsOnlyDurableOffsetsAndARestartRestoresTheTopic() throws Exception {
        long seed = seed();
        Summary summary = run(seed, POINTS, null);
        System.out.println("FaultInjectionSinkTaskTest, seed " + seed + ": " + summary);
        assertThat(summary.findings).as("seed %d: %s", seed, summary).isEmpty();
        assertThat(summary.points).isGreaterThanOrEqualTo(POINTS);
        assertThat(summary.checks).as("preCommit returns checked, seed %d", seed).isGreaterThan(POINTS);
        assertThat(summary.failedTasks).as("faults that failed the task, seed %d", seed).isPositive();
        assertThat(summary.interrupts).as("interrupt faults that fired, seed %d", seed).isPositive();
    }

    @Test
    void aControlThatSwallowsOneWriteIsCaught() throws Exception {
        long seed = seed();
        Summary summary = run(seed, 20, InjectedFault.Kind.SWALLOWED_WRITE);
        System.out.println("FaultInjectionSinkTaskTest control, seed " + seed + ": " + summary);
        assertThat(summary.findings).as("a dropped write must be caught (seed %d): %s", seed, summary).isNotEmpty();
    }

    /** What the points found. */
    static final class Summary {
        int points;
        int checks;
        int failedTasks;
        int interrupts;
        final List<String> findings = new ArrayList<>();

        @Override
        public String toString() {
            return points + " fault points (" + failedTasks + " failed the task, " + interrupts + " interrupts), " + checks
                    + " preCommit returns checked, " + findings.size() + " points with findings"
                    + (findings.isEmpty() ? "" : ", first: " + findings.subList(0, Math.min(3, findings.size())));
        }
    }

    private Summary run(long seed, int points, InjectedFault.Kind only) throws Exception {
        Random random = new Random(seed);
        Summary summary = new Summary();
        ExecutorService taskThreads = Executors.newCachedThreadPool();
        try {
            for (int w = 0; summary.points < points; w++) {
                Workload workload = Workload.random(new Random(random.nextLong()));
                long deliverySeed = random.nextLong();
                String workloadLabel = "seed " + seed + ", workload " + w + " (" + workload + ")";
                Path referenceDir = tmp.resolve("reference-" + w);
                Point reference = new Point(workload, referenceDir, workloadLabel + " without faults", deliverySeed);
                long operations = reference.execute(taskThreads, null, -1, false, false);
                assertThat(reference.findings).as(workloadLabel + " without faults").isEmpty();
                PowerLossCheck.deleteTree(referenceDir);
                for (int i = 0; i < POINTS_PER_WORKLOAD && summary.points < points; i++) {
                    long at = random.nextLong(operations);
                    InjectedFault.Kind kind = only != null ? only
                            : random.nextInt(4) == 0 ? InjectedFault.Kind.INTERRUPT : InjectedFault.Kind.IO_ERROR;
                    boolean partial = random.nextBoolean();
                    boolean powerLossAtRestart = summary.points % 2 == 1;
                    Path dataDir = tmp.resolve("run-" + w + "-" + i);
                    String label = workloadLabel + ", fault at operation " + at + " of " + operations + " (" + kind
                            + (partial ? ", short write" : "") + "), restart " + (powerLossAtRestart ? "on a power-loss image"
                            : "on the same files");
                    Point point = new Point(workload, dataDir, label, deliverySeed);
                    point.execute(taskThreads, kind, at, partial, powerLossAtRestart);
                    summary.points++;
                    summary.checks += point.checks;
                    summary.failedTasks += point.failedTasks > 0 ? 1 : 0;
                    summary.interrupts += kind == InjectedFault.Kind.INTERRUPT && point.fired != null ? 1 : 0;
                    if (!point.findings.isEmpty()) {
                        summary.findings.add(label + ": " + point.findings.get(0) + "\n  fault: " + point.fired + " ("
                                + point.findings.size() + " findings at this point)");
                    }
                    PowerLossCheck.deleteTree(dataDir);
                }
            }
        } finally {
            taskThreads.shutdownNow();
        }
        return summary;
    }

    /** One record of the topic: an UPDATE with a null vector is a re-tag (metadata only). */
    record Produced(TopicPartition tp, long offset, String database, String id, Op op, float[] vector, Meta meta) {

        SinkRecord toSinkRecord() {
            Struct value = new Struct(VALUE).put("database", database).put("id", id).put("op", op.name())
                    .put("vector", vector == null ? null : toList(vector));
            meta.structOrder().forEach(value::put);
            return new SinkRecord(tp.topic(), tp.partition(), null, id, VALUE, value, offset);
        }

        private static List<Float> toList(float[] vector) {
            List<Float> list = new ArrayList<>(vector.length);
            for (float f : vector) {
                list.add(f);
            }
            return list;
        }
    }

    /** The topic (ids are per partition, so each id's model is one partition's records) and the task's settings. */
    record Workload(Map<TopicPartition, List<Produced>> records, int batchSize, boolean applyOverlap, boolean tolerateErrors) {

        static Workload random(Random random) {
            Map<TopicPartition, List<Produced>> records = new HashMap<>();
            for (TopicPartition tp : PARTITIONS) {
                Map<String, ExpectedDatabase> model = new HashMap<>();
                int idSpace = 8 + random.nextInt(30);
                int count = 100 + random.nextInt(120);
                List<Produced> list = new ArrayList<>(count);
                for (long offset = 0; offset < count; offset++) {
                    String database = random.nextInt(3) == 0 ? "b" : "a";
                    ExpectedDatabase expected = model.computeIfAbsent(database, d -> new ExpectedDatabase());
                    String id = "p" + tp.partition() + "-" + random.nextInt(idSpace);
                    int dice = random.nextInt(10);
                    Op op = !expected.contains(id) ? (dice < 8 ? Op.STORE : Op.DELETE)
                            : dice < 4 ? Op.UPDATE : dice < 7 ? Op.DELETE : Op.STORE;
                    float[] vector = null;
                    if (op != Op.DELETE) {
                        vector = new float[DIMENSIONS.get(database)];
                        for (int c = 0; c < vector.length; c++) {
                            vector[c] = random.nextInt(1000) / 8f;
                        }
                    }
                    // Metadata on every kind of record (a DELETE's is not kept); UPDATEs re-tag
                    // (no vector), replace the vector only (no metadata), or replace both.
                    Meta meta = Meta.random(random, id, (int) offset);
                    if (op == Op.UPDATE) {
                        int kind = random.nextInt(3);
                        if (kind == 0) {
                            vector = null;
                            meta = Meta.retag(random, id, (int) offset);
                        } else if (kind == 1) {
                            meta = Meta.NONE;
                        }
                    }
                    Produced produced = new Produced(tp, offset, database, id, op, vector, meta);
                    apply(expected, produced);
                    list.add(produced);
                }
                records.put(tp, list);
            }
            return new Workload(records, 2 + random.nextInt(15), random.nextBoolean(), random.nextBoolean());
        }

        long end(TopicPartition tp) {
            return records.get(tp).size();
        }

        /** The partition's ids in {@code database} after its records up to {@code lastOffset}, included. */
        ExpectedDatabase model(TopicPartition tp, String database, long lastOffset) {
            ExpectedDatabase expected = new ExpectedDatabase();
            for (Produced p : records.get(tp)) {
                if (p.offset() > lastOffset) {
                    break;
                }
                if (p.database().equals(database)) {
                    apply(expected, p);
                }
            }
            return expected;
        }

        private static void apply(ExpectedDatabase expected, Produced p) {
            switch (p.op()) {
                case STORE -> expected.store(p.id(), p.vector(), p.meta().structDocument());
                case UPDATE -> expected.update(p.id(), p.vector(), p.meta().structDocument());
                case DELETE -> expected.delete(p.id());
                default -> throw new IllegalArgumentException(p.op().name());
            }
        }

        @Override
        public String toString() {
            return end(PARTITIONS.get(0)) + "+" + end(PARTITIONS.get(1)) + " records, batch.size " + batchSize
                    + ", apply.overlap " + applyOverlap + ", errors.tolerance " + (tolerateErrors ? "all" : "none");
        }
    }

    /** The task with its store's I/O through the fault layer and the recorder; small growth and snapshot steps. */
    static final class FaultyTask extends VectorSinkTask {
        private final InjectedFault fault;

        /** {@code fault} wraps the recorder's seam: the recorder sees what reached the files. */
        FaultyTask(InjectedFault fault) {
            this.fault = fault;
        }

        @Override
        protected StoreOptions storeOptions(VectorSinkConfig config) throws IOException {
            return fault.applyTo(super.storeOptions(config).withGrowthBytes(4096).withIndexSnapshotBytes(4096));
        }
    }

    /**
     * One fault point: a worker's view of the task (group offsets, positions, currentOffsets) and
     * what the checks found. Each task runs in a thread of its own, as in a worker, so an
     * interrupt flag left by a fault stays with that task.
     */
    final class Point {
        private final Workload workload;
        private final Path dataDir;
        private final String label;
        private final long deliverySeed;
        /** The group's committed offsets, which outlive a task. */
        private final Map<TopicPartition, Long> group = new HashMap<>();
        final List<String> findings = new ArrayList<>();
        int checks;
        int failedTasks;
        String fired;

        Point(Workload workload, Path dataDir, String label, long deliverySeed) {
            this.workload = workload;
            this.dataDir = dataDir;
            this.label = label;
            this.deliverySeed = deliverySeed;
        }

        /** Runs the point; returns the number of operations the first task did through the seam. */
        long execute(ExecutorService threads, InjectedFault.Kind kind, long at, boolean partial, boolean powerLossAtRestart)
                throws Exception {
            PowerLossRecorder recorder = PowerLossRecorder.under(dataDir);
            InjectedFault fault = kind == null ? InjectedFault.none(recorder) : InjectedFault.at(recorder, at, kind, partial);
            boolean completed = inThread(threads, () -> drive(recorder, fault, new Random(deliverySeed)));
            fired = fault.fired();
            if (!completed) {
                failedTasks++;
                if (kind == null) {
                    findings.add("the task failed without a fault");
                    return fault.operations();
                }
                if (powerLossAtRestart) {
                    replaceWithForcedOnlyImage(recorder);
                }
                PowerLossRecorder again = PowerLossRecorder.under(dataDir);
                boolean restarted = inThread(threads, () -> drive(again, InjectedFault.none(again), new Random(deliverySeed + 1)));
                if (!restarted) {
                    findings.add("the fresh task without faults failed too");
                }
            }
            checkLiveStore();
            return fault.operations();
        }

        private boolean inThread(ExecutorService threads, Callable<Boolean> task) throws Exception {
            Future<Boolean> future = threads.submit(task);
            try {
                return future.get(HANG_MINUTES, TimeUnit.MINUTES);
            } catch (TimeoutException e) {
                future.cancel(true);
                throw new AssertionError(label + ": the task hung (no outcome in " + HANG_MINUTES + " minutes)");
            }
        }

        /** A power loss right after the failed task stopped: the next task starts from what was forced. */
        private void replaceWithForcedOnlyImage(PowerLossRecorder recorder) throws IOException {
            int point = recorder.mark();
            Path image = tmp.resolve(dataDir.getFileName() + "-power-loss");
            recorder.materialiseForcedOnly(point, image);
            PowerLossCheck.deleteTree(dataDir);
            Files.move(image, dataDir);
        }

        /**
         * One task's life, as a worker drives it: start, open, put batches (a RetriableException
         * redelivers the batch), preCommit now and then (a failure rewinds to the committed
         * offsets), until the end of the topic is committed; on a failure, the last preCommit,
         * close and stop. True when the task committed the whole topic.
         */
        private boolean drive(PowerLossRecorder recorder, InjectedFault fault, Random random) {
            RecordingContext context = new RecordingContext(props(), PARTITIONS).withDeadLetterQueue();
            try {
                return drive(recorder, fault, random, context);
            } finally {
                for (SinkRecord r : context.deadLetters()) {
                    findings.add("a valid record was dead-lettered: " + r.topic() + "-" + r.kafkaPartition() + " offset "
                            + r.kafkaOffset() + " (" + r.value() + ")");
                }
            }
        }

        private boolean drive(PowerLossRecorder recorder, InjectedFault fault, Random random, RecordingContext context) {
            Map<String, String> props = context.configs;
            FaultyTask task = new FaultyTask(fault);
            task.initialize(context);
            Map<TopicPartition, Long> position = new HashMap<>();
            Map<TopicPartition, Long> current = new HashMap<>();
            Map<TopicPartition, Long> lastCommitted = new HashMap<>();
            boolean opened = false;
            try {
                task.start(props);
                task.open(PARTITIONS);
                opened = true;
                for (TopicPartition tp : PARTITIONS) {
                    long start = context.seeks.getOrDefault(tp, group.getOrDefault(tp, 0L));
                    position.put(tp, start);
                    current.put(tp, start);
                    lastCommitted.put(tp, start);
                }
                for (int round = 0; round < 10_000; round++) {
                    if (Thread.currentThread().isInterrupted()) {
                        // The consumer's poll throws on an interrupted thread, which fails the task.
                        throw new ConnectException("poll on an interrupted thread");
                    }
                    List<SinkRecord> batch = nextBatch(position, random);
                    putWithRetries(task, batch);
                    for (SinkRecord r : batch) {
                        TopicPartition tp = new TopicPartition(r.topic(), r.kafkaPartition());
                        position.put(tp, r.kafkaOffset() + 1);
                        current.put(tp, r.kafkaOffset() + 1);
                    }
                    boolean atEnd = PARTITIONS.stream().allMatch(tp -> position.get(tp) == workload.end(tp));
                    if (atEnd || random.nextInt(4) == 0) {
                        Map<TopicPartition, Long> returned;
                        try {
                            returned = preCommit(task, recorder, current);
                        } catch (RuntimeException e) {
                            // Connect logs it and rewinds to the last committed offsets.
                            lastCommitted.forEach(position::put);
                            lastCommitted.forEach(current::put);
                            continue;
                        }
                        commit(returned, current, lastCommitted);
                        if (PARTITIONS.stream().allMatch(tp -> lastCommitted.get(tp) == workload.end(tp))) {
                            closeAndStop(task, current, recorder, false);
                            return true;
                        }
                    }
                }
                findings.add("the task neither committed the end of the topic nor failed; committed " + lastCommitted);
                closeAndStop(task, current, recorder, true);
                return false;
            } catch (ConnectException e) {
                if (e.getCause() instanceof InvalidRecordException) {
                    findings.add("a valid record failed the task as a bad record: " + e.getMessage());
                }
                closeAndStop(task, opened ? current : Map.of(), recorder, true);
                return false;
            } catch (RuntimeException | Error e) {
                findings.add("the task failed with " + described(e) + " instead of a ConnectException");
                closeAndStop(task, opened ? current : Map.of(), recorder, true);
                return false;
            }
        }

        private void putWithRetries(VectorSinkTask task, List<SinkRecord> batch) {
            while (true) {
                try {
                    task.put(batch);
                    return;
                } catch (RetriableException e) {
                    // The worker redelivers the same records after the task's timeout; the retry
                    // window (io.retry.timeout.ms) turns a lasting problem into a ConnectException.
                    try {
                        Thread.sleep(5);
                    } catch (InterruptedException interrupted) {
                        Thread.currentThread().interrupt();
                        throw new ConnectException("interrupted while backing off", interrupted);
                    }
                }
            }
        }

        /** The records a poll returns: a few of each partition from its position, in offset order within each. */
        private List<SinkRecord> nextBatch(Map<TopicPartition, Long> position, Random random) {
            List<SinkRecord> batch = new ArrayList<>();
            for (TopicPartition tp : PARTITIONS) {
                int n = random.nextInt(12);
                long from = position.get(tp);
                for (long o = from; o < Math.min(workload.end(tp), from + n); o++) {
                    batch.add(workload.records().get(tp).get((int) o).toSinkRecord());
                }
            }
            return batch;
        }

        /** preCommit, its returned offsets checked on power-loss images taken at once. */
        private Map<TopicPartition, Long> preCommit(VectorSinkTask task, PowerLossRecorder recorder,
                                                    Map<TopicPartition, Long> current) {
            Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
            current.forEach((tp, next) -> offsets.put(tp, new OffsetAndMetadata(next)));
            Map<TopicPartition, OffsetAndMetadata> durable = task.preCommit(offsets);
            int point = recorder.mark();
            Map<TopicPartition, Long> returned = new TreeMap<>((x, y) -> Integer.compare(x.partition(), y.partition()));
            durable.forEach((tp, o) -> returned.put(tp, o.offset()));
            if (!returned.isEmpty()) {
                checkImages(recorder, point, returned);
            }
            return returned;
        }

        /** What the worker commits of the returned offsets: none past what it delivered. */
        private void commit(Map<TopicPartition, Long> returned, Map<TopicPartition, Long> current,
                            Map<TopicPartition, Long> lastCommitted) {
            returned.forEach((tp, next) -> {
                if (current.containsKey(tp) && next <= current.get(tp)) {
                    group.put(tp, next);
                    lastCommitted.put(tp, next);
                }
            });
        }

        /** A failed (or finished) task: the last preCommit, close and stop; only ConnectExceptions may escape. */
        private void closeAndStop(VectorSinkTask task, Map<TopicPartition, Long> current, PowerLossRecorder recorder,
                                  boolean failed) {
            if (failed && !current.isEmpty()) {
                try {
                    commit(preCommit(task, recorder, current), current, new HashMap<>());
                } catch (ConnectException e) {
                    // logged by the worker; the group keeps its offsets
                } catch (RuntimeException e) {
                    findings.add("the preCommit of a failed task threw " + described(e));
                }
            }
            if (!current.isEmpty()) {
                try {
                    task.close(PARTITIONS);
                } catch (ConnectException e) {
                    // logged by the worker
                } catch (RuntimeException e) {
                    findings.add("close threw " + described(e));
                }
            }
            try {
                task.stop();
            } catch (RuntimeException e) {
                findings.add("stop threw " + described(e));
            }
        }

        private Map<String, String> props() {
            Map<String, String> props = new HashMap<>();
            props.put("name", "fault-test");
            props.put("topics", TOPIC);
            props.put(VectorSinkConfig.DATA_DIR_CONFIG, dataDir.toString());
            props.put(VectorSinkConfig.FLUSH_INTERVAL_MS_CONFIG, "0");
            props.put(VectorSinkConfig.BATCH_SIZE_CONFIG, Integer.toString(workload.batchSize()));
            props.put(VectorSinkConfig.APPLY_OVERLAP_CONFIG, Boolean.toString(workload.applyOverlap()));
            props.put(VectorSinkConfig.DATABASE_DIMENSIONS_CONFIG, "a:4,b:3");
            props.put(VectorSinkConfig.IO_RETRY_TIMEOUT_MS_CONFIG, "50");
            props.put("errors.tolerance", workload.tolerateErrors() ? "all" : "none");
            props.put(VectorSinkConfig.IO_RETRY_BACKOFF_MS_CONFIG, "5");
            return props;
        }

        private void checkImages(PowerLossRecorder recorder, int point, Map<TopicPartition, Long> returned) {
            checks++;
            long imageSeed = deliverySeed + checks;
            // The check is the test's, not the task's: it runs without the interrupt a fault may have left, which stays.
            boolean interrupted = Thread.interrupted();
            try {
                Path scratch = Files.createTempDirectory(tmp, "images-");
                try {
                    Path forcedOnly = scratch.resolve("forced-only");
                    recorder.materialiseForcedOnly(point, forcedOnly);
                    verify(forcedOnly, returned, "the forced-only image at crash point " + point, recorder, point);
                    Path random = scratch.resolve("random");
                    recorder.materialise(point, imageSeed, random);
                    verify(random, returned, "the random image (seed " + imageSeed + ") at crash point " + point, recorder,
                            point);
                } finally {
                    PowerLossCheck.deleteTree(scratch);
                }
            } catch (IOException e) {
                findings.add("building the images at crash point " + point + " failed: " + e);
            } finally {
                if (interrupted) {
                    Thread.currentThread().interrupt();
                }
            }
        }

        private void checkLiveStore() {
            Map<TopicPartition, Long> end = new HashMap<>();
            PARTITIONS.forEach(tp -> end.put(tp, workload.end(tp)));
            verify(dataDir, end, "the store after the last task stopped", null, 0);
        }

        /**
         * Each shard of each returned partition holds exactly the model of the partition's records up
         * to its checkpoint, and that checkpoint is at or past the returned offset (or the model does
         * not change in between): nothing below the returned offset is lost.
         */
        private void verify(Path root, Map<TopicPartition, Long> returned, String what, PowerLossRecorder recorder, int point) {
            List<String> found = new ArrayList<>();
            try (VectorStore store = VectorStore.open(root, StoreOptions.defaults().withFlushInterval(Duration.ZERO))) {
                for (Map.Entry<TopicPartition, Long> entry : returned.entrySet()) {
                    TopicPartition tp = entry.getKey();
                    long below = entry.getValue();
                    String shardFile = KafkaPosition.source(tp).shardFileName();
                    for (String name : DIMENSIONS.keySet()) {
                        Optional<Database> database = store.database(name);
                        long checkpoint = -1;
                        Map<String, StoredVector> state = new HashMap<>();
                        if (database.isPresent()) {
                            for (ShardStats shard : database.get().stats().shards()) {
                                if (shard.name().equals(name + "/" + shardFile)) {
                                    checkpoint = shard.checkpointOffset();
                                }
                            }
                            String prefix = "p" + tp.partition() + "-";
                            database.get().scanEntries(stored -> {
                                if (stored.id().startsWith(prefix)) {
                                    state.put(stored.id(), stored);
                                }
                            });
                        }
                        long upTo = Math.max(checkpoint, below - 1);
                        String problem = difference(workload.model(tp, name, upTo), state);
                        if (problem != null) {
                            found.add(tp + " in database " + name + " (" + name + "/" + shardFile + ", checkpoint " + checkpoint
                                    + ", returned offset " + below + "): " + problem + " in " + what);
                        }
                    }
                }
            } catch (IOException | RuntimeException e) {
                found.add("opening or reading " + what + " failed: " + e);
            }
            if (!found.isEmpty() && recorder != null) {
                found.set(0, found.get(0) + "\n" + recorder.describe(point));
            }
            findings.addAll(found);
        }

        /** An unexpected exception with where it came from. */
        private static String described(Throwable e) {
            StringBuilder s = new StringBuilder(e.toString());
            StackTraceElement[] trace = e.getStackTrace();
            for (int i = 0; i < Math.min(6, trace.length); i++) {
                s.append("\n    at ").append(trace[i]);
            }
            return s.toString();
        }

        /** Null when {@code state} is exactly {@code expected} (vectors and metadata bytes), else the first differences. */
        private static String difference(ExpectedDatabase expected, Map<String, StoredVector> state) {
            List<String> problems = new ArrayList<>();
            for (Map.Entry<String, float[]> e : new TreeMap<>(expected.live()).entrySet()) {
                StoredVector got = state.get(e.getKey());
                byte[] metadata = expected.metadata().get(e.getKey());
                if (got == null) {
                    problems.add("id " + e.getKey() + " is missing");
                } else if (!Arrays.equals(got.vector(), e.getValue())) {
                    problems.add("id " + e.getKey() + " has " + Arrays.toString(got.vector()) + ", expected "
                            + Arrays.toString(e.getValue()));
                } else if (!Arrays.equals(got.metadata(), metadata)) {
                    problems.add("id " + e.getKey() + " has metadata " + ExpectedMetadata.describe(got.metadata())
                            + ", expected " + ExpectedMetadata.describe(metadata));
                }
            }
            for (String id : new TreeMap<>(state).keySet()) {
                if (!expected.contains(id)) {
                    problems.add("id " + id + " is served but not in the model (deleted, or never committed)");
                }
            }
            return problems.isEmpty() ? null : problems.size() + " differences, first: " + problems.subList(0, Math.min(3, problems.size()));
        }
    }
}
