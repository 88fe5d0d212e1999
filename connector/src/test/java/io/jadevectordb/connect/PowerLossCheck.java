package io.jadevectordb.connect;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

import org.apache.kafka.common.TopicPartition;

import io.jadevectordb.connect.fixtures.ExpectedMetadata;
import io.jadevectordb.connect.offsets.KafkaPosition;
import io.jadevectordb.engine.Database;
import io.jadevectordb.engine.StoreOptions;
import io.jadevectordb.engine.StoredVector;
import io.jadevectordb.engine.VectorStore;
import io.jadevectordb.engine.crash.PowerLossRecorder;

/**
 * The product's promise judged where it matters, on what a power loss leaves: at a crash point
 * taken right after {@code preCommit} returned, every record below each returned offset must be
 * readable, with its exact vector and metadata bytes, from a store opened on
 * <ul>
 *   <li>the <b>forced-only</b> image (each file as of its last force, directory entries as of
 *       their last directory force): the least a power loss leaves, so one missing force fails
 *       the check; and</li>
 *   <li>one <b>random</b> image (forced bytes plus any mixture of later writes, torn sectors and
 *       later directory changes): recovery must cut uncommitted garbage without losing a commit.</li>
 * </ul>
 * Copying the live files instead would read the page cache, where every write is visible whether
 * it was forced or not, and pass with every force removed.
 */
final class PowerLossCheck {

    /** Lost records described per partition and image before the rest are only counted: one is enough to act on. */
    private static final int DESCRIBED_PER_PARTITION = 3;

    private PowerLossCheck() {
    }

    /**
     * Checks the images at {@code point} against the returned {@code committed} offsets (next
     * offset to read, per partition); adds violations to {@code observation}.
     */
    static void check(CommitObservation observation, PowerLossRecorder recorder, int point, Map<TopicPartition, Long> committed)
            throws IOException {
        int check = observation.nextCheck();
        long seed = observation.seed() + check;
        Path scratch = Files.createTempDirectory("commit-invariant-");
        try {
            Path forcedOnly = scratch.resolve("forced-only");
            recorder.materialiseForcedOnly(point, forcedOnly);
            verify(observation, forcedOnly, committed, "the forced-only image at crash point " + point + " (check " + check
                    + ", seed " + observation.seed() + ")", recorder, point);
            Path random = scratch.resolve("random");
            recorder.materialise(point, seed, random);
            verify(observation, random, committed, "the random image at crash point " + point + " (check " + check
                    + ", image seed " + seed + ")", recorder, point);
        } finally {
            deleteTree(scratch);
        }
        committed.forEach(observation::checked);
    }

    private static void verify(CommitObservation observation, Path image, Map<TopicPartition, Long> committed, String what,
                               PowerLossRecorder recorder, int point) {
        List<String> found = new ArrayList<>();
        try (VectorStore store = VectorStore.open(image, StoreOptions.defaults().withFlushInterval(Duration.ZERO))) {
            for (Map.Entry<TopicPartition, Long> entry : committed.entrySet()) {
                TopicPartition tp = entry.getKey();
                long returned = entry.getValue();
                int lost = 0;
                for (Map.Entry<Long, CommitObservation.Produced> record : observation.produced(tp).headMap(returned).entrySet()) {
                    String problem = problem(store, record.getValue());
                    if (problem != null && ++lost <= DESCRIBED_PER_PARTITION) {
                        CommitObservation.Produced p = record.getValue();
                        found.add(tp + " offset " + record.getKey() + " (id " + p.id() + " in " + p.database() + "/"
                                + KafkaPosition.source(tp).shardFileName() + ") is below the returned offset " + returned
                                + " but " + problem + " in " + what);
                    }
                }
                if (lost > DESCRIBED_PER_PARTITION) {
                    found.add("... and " + (lost - DESCRIBED_PER_PARTITION) + " more records of " + tp + " in " + what);
                }
            }
        } catch (IOException | RuntimeException e) {
            found.add("opening or reading " + what + " failed: " + e);
        }
        if (!found.isEmpty()) {
            found.set(0, found.get(0) + "\n" + recorder.describe(point));
            found.forEach(observation::violation);
        }
    }

    /** Null when the record is there with its exact vector and metadata, else what is wrong. */
    private static String problem(VectorStore store, CommitObservation.Produced p) throws IOException {
        Optional<Database> database = store.database(p.database());
        if (database.isEmpty()) {
            return "its database is missing";
        }
        Optional<StoredVector> entry = database.get().getEntry(p.id());
        if (entry.isEmpty()) {
            return "is missing";
        }
        if (!Arrays.equals(entry.get().vector(), p.vector())) {
            return "has another vector";
        }
        return Arrays.equals(entry.get().metadata(), p.metadata()) ? null : "has metadata "
                + ExpectedMetadata.describe(entry.get().metadata()) + ", expected " + ExpectedMetadata.describe(p.metadata());
    }

    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
