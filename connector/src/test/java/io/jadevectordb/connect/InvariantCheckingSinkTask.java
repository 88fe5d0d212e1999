package io.jadevectordb.connect;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Arrays;
import java.util.Collections;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

import io.jadevectordb.engine.Database;
import io.jadevectordb.engine.StoreOptions;
import io.jadevectordb.engine.VectorStore;

/**
 * The real task, checked at every {@code preCommit} return: the store's files are copied as
 * they are on disk at that instant, the copy is opened with the engine as after a crash, and
 * every record below each returned offset must be readable from it with its exact vector.
 * Violations are collected for the test to assert on (a task cannot fail a test directly).
 */
public class InvariantCheckingSinkTask extends VectorSinkTask {

    /** A produced STORE: where it goes and what it writes. */
    record Produced(String database, String id, float[] vector) {
    }

    /** Produced records by partition and offset, registered by the test before sending. */
    static final Map<TopicPartition, NavigableMap<Long, Produced>> PRODUCED = new ConcurrentHashMap<>();
    /** What went wrong, described. */
    static final List<String> VIOLATIONS = Collections.synchronizedList(new ArrayList<>());
    /** Highest committed offset checked per partition. */
    static final Map<TopicPartition, Long> CHECKED = new ConcurrentHashMap<>();
    /** Number of preCommit returns checked. */
    static final AtomicInteger CHECKS = new AtomicInteger();

    static void expect(TopicPartition tp, long offset, Produced produced) {
        PRODUCED.computeIfAbsent(tp, p -> new ConcurrentSkipListMap<>()).put(offset, produced);
    }

    @Override
    public Map<TopicPartition, OffsetAndMetadata> preCommit(Map<TopicPartition, OffsetAndMetadata> currentOffsets) {
        Map<TopicPartition, OffsetAndMetadata> durable = super.preCommit(currentOffsets);
        if (!durable.isEmpty()) {
            try {
                check(durable);
            } catch (IOException | RuntimeException e) {
                VIOLATIONS.add("checking " + durable + " failed: " + e);
            }
        }
        return durable;
    }

    private void check(Map<TopicPartition, OffsetAndMetadata> durable) throws IOException {
        Path copy = Files.createTempDirectory("commit-invariant-");
        try {
            copyTree(store().root(), copy);
            try (VectorStore fresh = VectorStore.open(copy, StoreOptions.defaults().withFlushInterval(Duration.ZERO))) {
                for (Map.Entry<TopicPartition, OffsetAndMetadata> entry : durable.entrySet()) {
                    TopicPartition tp = entry.getKey();
                    long committed = entry.getValue().offset();
                    NavigableMap<Long, Produced> produced = PRODUCED.getOrDefault(tp, new ConcurrentSkipListMap<>());
                    for (Map.Entry<Long, Produced> record : produced.headMap(committed).entrySet()) {
                        verify(fresh, tp, committed, record.getKey(), record.getValue());
                    }
                    CHECKED.merge(tp, committed, Math::max);
                }
            }
            CHECKS.incrementAndGet();
        } finally {
            deleteTree(copy);
        }
    }

    private static void verify(VectorStore fresh, TopicPartition tp, long committed, long offset, Produced p)
            throws IOException {
        Optional<Database> database = fresh.database(p.database());
        Optional<float[]> vector = database.isPresent() ? database.get().get(p.id()) : Optional.empty();
        if (vector.isEmpty() || !Arrays.equals(vector.get(), p.vector())) {
            VIOLATIONS.add(tp + " offset " + offset + " (" + p.database() + "/" + p.id() + ") is below the returned "
                    + "offset " + committed + " but " + (vector.isEmpty() ? "is missing" : "has another vector")
                    + " in a fresh copy of the shard files");
        }
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> paths = Files.walk(from)) {
            for (Path source : paths.toList()) {
                Path target = to.resolve(from.relativize(source).toString());
                if (Files.isDirectory(source)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(source, target, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
