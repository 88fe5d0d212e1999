package io.jadevectordb.connect;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import org.apache.kafka.common.TopicPartition;

import io.jadevectordb.engine.crash.PowerLossRecorder;

/**
 * What the commit-invariant checks know about one data directory: the records a test produced,
 * the recording of the task that writes the store there, and what the checks found. Keyed by
 * data directory, so test classes sharing a JVM never see each other's findings.
 *
 * <p>Restarts: a recording's baseline is taken as durable, so it must never be page-cache
 * state. When a task stops, its store is closed, and then the data directory is <em>replaced by
 * the forced-only image</em> of its recording (what a power loss right after the stop leaves).
 * The next task records from that. So a stop that forgot a force loses data the next checks
 * look for, and a restart also exercises recovery from a power-loss image. A data directory with
 * files that no stop handed over is reported (the check cannot know what in it is durable).
 */
final class CommitObservation {

    /** {@code -Djvdb.invariant.withoutForces=true}: run every task with its forces dropped; the checks must then fail. */
    static final boolean WITHOUT_FORCES = Boolean.getBoolean("jvdb.invariant.withoutForces");

    /** A produced STORE: where it goes and what it writes (metadata: the document the sink must store, null for none). */
    record Produced(String database, String id, float[] vector, byte[] metadata) {
    }

    private static final Map<Path, CommitObservation> BY_DATA_DIR = new ConcurrentHashMap<>();

    private final Path dataDir;
    private final long seed = Long.getLong("jvdb.invariant.seed", System.nanoTime());
    private final Map<TopicPartition, NavigableMap<Long, Produced>> produced = new ConcurrentHashMap<>();
    private final List<String> violations = Collections.synchronizedList(new ArrayList<>());
    private final Map<TopicPartition, Long> checked = new ConcurrentHashMap<>();
    private final AtomicInteger checks = new AtomicInteger();
    private volatile boolean withoutForces = WITHOUT_FORCES;

    /** The recorder of the running task, or null between tasks. Guarded by this. */
    private PowerLossRecorder active;
    /** True when the last stop replaced the data directory with a forced-only image. Guarded by this. */
    private boolean handedOver;

    private CommitObservation(Path dataDir) {
        this.dataDir = dataDir;
    }

    /** The observation of {@code dataDir}, created on first use. */
    static CommitObservation of(Path dataDir) {
        return BY_DATA_DIR.computeIfAbsent(dataDir.toAbsolutePath().normalize(), CommitObservation::new);
    }

    Path dataDir() {
        return dataDir;
    }

    /** The seed of the random images (each check draws from {@code seed + check number}). */
    long seed() {
        return seed;
    }

    /** Registers a record before it is sent: the task may commit it before send() returns. */
    void expect(TopicPartition tp, long offset, Produced record) {
        produced.computeIfAbsent(tp, p -> new ConcurrentSkipListMap<>()).put(offset, record);
    }

    /** Tasks started from now on run with every file and directory force dropped (the checks' teeth). */
    void dropForces() {
        withoutForces = true;
    }

    NavigableMap<Long, Produced> produced(TopicPartition tp) {
        return produced.getOrDefault(tp, Collections.emptyNavigableMap());
    }

    void violation(String description) {
        violations.add(description);
    }

    /** Every violation found so far, described. */
    List<String> violations() {
        synchronized (violations) {
            return List.copyOf(violations);
        }
    }

    /** Highest returned offset checked per partition. */
    Map<TopicPartition, Long> checked() {
        return Map.copyOf(checked);
    }

    /** The number of preCommit returns checked. */
    int checks() {
        return checks.get();
    }

    void checked(TopicPartition tp, long committed) {
        checked.merge(tp, committed, Math::max);
    }

    int nextCheck() {
        return checks.incrementAndGet();
    }

    /** A recorder for a task starting on the data directory, whose present files must be a durable state. */
    synchronized PowerLossRecorder startRecording() throws IOException {
        if (active != null) {
            violation("a second task started on " + dataDir + " while another still records it: the check supports "
                    + "one task per data dir, in turn");
        }
        if (!handedOver && hasFiles(dataDir)) {
            violation("the data dir " + dataDir + " holds files that no stopped task handed over as a power-loss image: "
                    + "their durability is unknown, so checks that find them prove nothing; start from an empty dir");
        }
        active = withoutForces ? PowerLossRecorder.withoutForcesUnder(dataDir) : PowerLossRecorder.under(dataDir);
        handedOver = false;
        return active;
    }

    /**
     * After the task's store closed: replaces the data directory with the least a power loss at
     * this moment leaves, so the next task's baseline is durable state, not page cache.
     */
    synchronized void stopRecording(PowerLossRecorder recorder) throws IOException {
        if (recorder != active) {
            return;
        }
        int point = recorder.mark();
        Path image = Files.createTempDirectory(dataDir.getParent(), dataDir.getFileName() + "-power-loss-at-stop-");
        recorder.materialiseForcedOnly(point, image);
        PowerLossCheck.deleteTree(dataDir);
        Files.move(image, dataDir); // same parent: a rename
        active = null;
        handedOver = true;
    }

    private static boolean hasFiles(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return false;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            return paths.anyMatch(Files::isRegularFile);
        }
    }
}
