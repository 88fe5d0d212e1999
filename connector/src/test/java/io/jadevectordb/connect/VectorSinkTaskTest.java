package io.jadevectordb.connect;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

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

import io.jadevectordb.engine.StoreOptions;
import io.jadevectordb.engine.StoreReader;
import io.jadevectordb.engine.VectorStore;
import io.jadevectordb.engine.shard.LockHolder;

/** The task driven without a broker through what a worker calls: open, put, preCommit, close, stop. */
class VectorSinkTaskTest {

    private static final String TOPIC = "vectors";
    private static final TopicPartition P0 = new TopicPartition(TOPIC, 0);
    private static final TopicPartition P1 = new TopicPartition(TOPIC, 1);
    private static final Schema VALUE = SchemaBuilder.struct().name("VectorMutation")
            .field("database", Schema.STRING_SCHEMA)
            .field("id", Schema.STRING_SCHEMA)
            .field("vector", SchemaBuilder.array(Schema.FLOAT32_SCHEMA).build())
            .build();
    private static final long RETRY_TIMEOUT_MS = 200;

    @TempDir
    Path tmp;

    private VectorSinkTask start(Map<String, String> overrides, List<TopicPartition> assignment) {
        Map<String, String> props = new HashMap<>();
        props.put("name", "task-test");
        props.put("topics", TOPIC);
        props.put(VectorSinkConfig.DATA_DIR_CONFIG, tmp.toString());
        props.put("flush.interval.ms", "0");
        props.putAll(overrides);
        VectorSinkTask task = new VectorSinkTask();
        task.initialize(new RecordingContext(props, assignment));
        task.start(props);
        return task;
    }

    private static SinkRecord record(TopicPartition tp, String database, long offset) {
        String id = "id-" + tp.partition() + "-" + offset;
        Struct value = new Struct(VALUE).put("database", database).put("id", id).put("vector", List.of((float) offset, 1f));
        return new SinkRecord(tp.topic(), tp.partition(), null, id, VALUE, value, offset);
    }

    private static Map<TopicPartition, OffsetAndMetadata> offsets(TopicPartition tp, long next, TopicPartition other, long otherNext) {
        return Map.of(tp, new OffsetAndMetadata(next), other, new OffsetAndMetadata(otherNext));
    }

    @Test
    void aPartitionAssignedBackServesItsIdleShardsAsCurrentAndARevokedOneServesNone() throws Exception {
        // Issue 15, finding 15: after a rebalance gives the partition back, a database it has not
        // written since must not be skipped by current-only readers: its shard is the only copy.
        VectorSinkTask task = start(Map.of(), List.of(P0));
        StoreReader current = StoreReader.open(tmp).currentOnly();
        try {
            task.open(List.of(P0));
            task.put(List.of(record(P0, "busy", 0), record(P0, "quiet", 1)));
            task.preCommit(Map.of(P0, new OffsetAndMetadata(2)));
            task.close(List.of(P0)); // revoked
            assertThat(current.get("quiet", "id-0-1")).isEmpty();

            task.open(List.of(P0)); // assigned back, to this task
            assertThat(current.get("quiet", "id-0-1")).isPresent();
            task.put(List.of(record(P0, "busy", 2)));
            task.preCommit(Map.of(P0, new OffsetAndMetadata(3)));
            assertThat(current.get("quiet", "id-0-1")).isPresent();
            assertThat(current.get("busy", "id-0-2")).isPresent();

            task.close(List.of(P0)); // revoked again: nothing of it is served as current
            assertThat(current.get("quiet", "id-0-1")).isEmpty();
            assertThat(current.get("busy", "id-0-2")).isEmpty();
        } finally {
            task.stop();
        }
    }

    @Test
    void aShardLockedByAnotherProcessFailsTheTaskAfterTheTimeoutWhileAnotherPartitionKeepsCommitting() throws Exception {
        // Issue 15, finding 18: P0's successes must not reopen P1's retry window, or P1 is stuck forever.
        try (VectorStore store = VectorStore.open(tmp, StoreOptions.defaults())) {
            store.createDatabase("d", 2);
        }
        Process holder = lockHolder(tmp.resolve("d").resolve("vectors-1.jvdb.lock"));
        VectorSinkTask task = start(Map.of("batch.size", "2", VectorSinkConfig.APPLY_OVERLAP_CONFIG, "false",
                VectorSinkConfig.IO_RETRY_TIMEOUT_MS_CONFIG, Long.toString(RETRY_TIMEOUT_MS),
                VectorSinkConfig.IO_RETRY_BACKOFF_MS_CONFIG, "0"), List.of(P0, P1));
        try {
            task.open(List.of(P0, P1));
            task.put(List.of(record(P1, "d", 0))); // less than a batch: applied (and refused) at each commit
            RuntimeException failure = null;
            long next = 0;
            for (int round = 0; round < 6 && failure == null; round++) {
                try {
                    task.put(List.of(record(P0, "d", next), record(P0, "d", next + 1))); // a full batch: applied now
                    next += 2;
                    Map<TopicPartition, OffsetAndMetadata> durable = task.preCommit(offsets(P0, next, P1, 1));
                    assertThat(durable.get(P0).offset()).as("the healthy partition commits").isEqualTo(next);
                    awaitMillis(RETRY_TIMEOUT_MS + 50); // P1 has now been failing for longer than the window
                } catch (ConnectException e) {
                    failure = e;
                }
            }

            assertThat(failure).as("the task fails once P1 outlasts io.retry.timeout.ms").isNotNull()
                    .isNotInstanceOf(RetriableException.class)
                    .hasMessageContaining(P1.toString())
                    .hasMessageContaining("vectors-1.jvdb")
                    .hasMessageContaining("locked by another writer")
                    .hasMessageContaining(VectorSinkConfig.IO_RETRY_TIMEOUT_MS_CONFIG);
        } finally {
            task.stop();
            holder.getOutputStream().close(); // the holder exits when its stdin ends
            holder.waitFor(30, TimeUnit.SECONDS);
        }
    }

    /** Waits until at least {@code millis} have passed on the wall clock, which the retry window reads. */
    private static void awaitMillis(long millis) throws InterruptedException {
        long until = System.currentTimeMillis() + millis;
        for (long now = System.currentTimeMillis(); now < until; now = System.currentTimeMillis()) {
            Thread.sleep(until - now);
        }
    }

    /** Another process holding a shard's writer lock until its standard input ends. */
    private static Process lockHolder(Path lockFile) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String classes = Path.of(LockHolder.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        Process holder = new ProcessBuilder(java, "-cp", classes, LockHolder.class.getName(), lockFile.toString()).start();
        assertThat(new String(holder.getInputStream().readNBytes(6), StandardCharsets.UTF_8)).isEqualTo("LOCKED");
        return holder;
    }
}
