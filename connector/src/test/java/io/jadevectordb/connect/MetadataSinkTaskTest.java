package io.jadevectordb.connect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.sink.SinkRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.jadevectordb.connect.fixtures.ExpectedMetadata;
import io.jadevectordb.engine.StoreReader;
import io.jadevectordb.engine.StoredVector;

/**
 * Metadata through the whole task, without a broker: records mapped, buffered, applied to real
 * shard files and committed, then read back with the engine's reader byte for byte.
 */
class MetadataSinkTaskTest {

    private static final String TOPIC = "articles";
    private static final TopicPartition P0 = new TopicPartition(TOPIC, 0);
    private static final Schema VALUE = SchemaBuilder.struct().name("Article")
            .field("database", Schema.STRING_SCHEMA)
            .field("id", Schema.STRING_SCHEMA)
            .field("op", Schema.OPTIONAL_STRING_SCHEMA)
            .field("vector", SchemaBuilder.array(Schema.FLOAT32_SCHEMA).optional().build())
            .field("title", Schema.OPTIONAL_STRING_SCHEMA)
            .field("year", Schema.OPTIONAL_INT32_SCHEMA)
            .build();

    @TempDir
    Path tmp;

    private RecordingContext context;

    private VectorSinkTask start(Map<String, String> overrides, boolean deadLetterQueue) {
        Map<String, String> props = new HashMap<>();
        props.put("name", "metadata-test");
        props.put("topics", TOPIC);
        props.put(VectorSinkConfig.DATA_DIR_CONFIG, tmp.toString());
        props.put(VectorSinkConfig.FLUSH_INTERVAL_MS_CONFIG, "0");
        props.putAll(overrides);
        context = new RecordingContext(props, List.of(P0));
        if (deadLetterQueue) {
            context.withDeadLetterQueue();
        }
        VectorSinkTask task = new VectorSinkTask();
        task.initialize(context);
        task.start(props);
        task.open(List.of(P0));
        return task;
    }

    private static SinkRecord record(long offset, String id, String op, List<Float> vector, String title, Integer year) {
        Struct value = new Struct(VALUE).put("database", "news").put("id", id).put("op", op).put("vector", vector)
                .put("title", title).put("year", year);
        return new SinkRecord(TOPIC, 0, Schema.STRING_SCHEMA, id, VALUE, value, offset);
    }

    /** The contract's document for the two kept fields, written independently of the encoder. */
    private static byte[] cbor(String title, Integer year) {
        return ExpectedMetadata.pairs("title", title, "year", year);
    }

    private Optional<StoredVector> read(String id) throws IOException {
        return StoreReader.open(tmp).getEntry("news", id);
    }

    @Test
    void metadataIsStoredReTaggedKeptByAVectorOnlyUpdateAndDeletedWithTheVector() throws Exception {
        VectorSinkTask task = start(Map.of(), false);
        try {
            task.put(List.of(
                    record(0, "a", null, List.of(1f, 2f), "First", 2001),
                    record(1, "b", null, List.of(3f, 4f), null, null),
                    record(2, "c", null, List.of(5f, 6f), "Gone", 1999),
                    record(3, "a", "UPDATE", null, "Retitled", null),
                    record(4, "b", "UPDATE", List.of(7f, 8f), null, null),
                    record(5, "c", "DELETE", null, "ignored", 1)));
            assertThat(task.preCommit(Map.of(P0, new OffsetAndMetadata(6))).get(P0).offset()).isEqualTo(6);

            StoredVector a = read("a").orElseThrow();
            assertThat(a.vector()).as("a re-tag keeps the vector").containsExactly(1f, 2f);
            assertThat(a.metadata()).as("a re-tag replaces the metadata").isEqualTo(cbor("Retitled", null));
            StoredVector b = read("b").orElseThrow();
            assertThat(b.vector()).containsExactly(7f, 8f);
            assertThat(b.metadata()).as("no kept non-null field: no metadata").isNull();
            assertThat(read("c")).isEmpty();

            task.put(List.of(record(6, "a", "UPDATE", List.of(9f, 9f), null, null)));
            task.preCommit(Map.of(P0, new OffsetAndMetadata(7)));
            assertThat(read("a").orElseThrow().vector()).containsExactly(9f, 9f);
            assertThat(read("a").orElseThrow().metadata()).as("an UPDATE without metadata keeps the stored one")
                    .isEqualTo(cbor("Retitled", null));
            task.put(List.of(record(7, "a", null, List.of(1f, 1f), null, 2020)));
            task.preCommit(Map.of(P0, new OffsetAndMetadata(8)));
            assertThat(read("a").orElseThrow().metadata()).as("a STORE replaces everything").isEqualTo(cbor(null, 2020));
        } finally {
            task.stop();
        }
    }

    @Test
    void oversizeMetadataGoesToTheDeadLetterQueueAndTheRestIsApplied() throws Exception {
        VectorSinkTask task = start(Map.of("errors.tolerance", "all",
                "errors.deadletterqueue.topic.name", "dlq", VectorSinkConfig.METADATA_MAX_BYTES_CONFIG, "64"), true);
        try {
            task.put(List.of(
                    record(0, "small", null, List.of(1f), "ok", 1),
                    record(1, "big", null, List.of(1f), "x".repeat(100), 1),
                    record(2, "after", null, List.of(2f), "fine", 2)));
            assertThat(task.preCommit(Map.of(P0, new OffsetAndMetadata(3))).get(P0).offset()).isEqualTo(3);

            assertThat(context.deadLetters()).extracting(SinkRecord::kafkaOffset).containsExactly(1L);
            assertThat(read("big")).isEmpty();
            assertThat(read("small").orElseThrow().metadata()).isEqualTo(cbor("ok", 1));
            assertThat(read("after").orElseThrow().metadata()).isEqualTo(cbor("fine", 2));
        } finally {
            task.stop();
        }
    }

    @Test
    void oversizeMetadataFailsTheTaskWithoutErrorTolerance() throws Exception {
        VectorSinkTask task = start(Map.of(VectorSinkConfig.METADATA_MAX_BYTES_CONFIG, "64"), false);
        try {
            assertThatThrownBy(() -> task.put(List.of(record(0, "big", null, List.of(1f), "x".repeat(100), 1))))
                    .isInstanceOf(ConnectException.class)
                    .hasMessageContaining("offset 0")
                    .hasMessageContaining("field 'metadata'")
                    .hasMessageContaining("metadata.max.bytes=64");
            assertThat(tmp.resolve("news")).as("the refused record created nothing").doesNotExist();
        } finally {
            task.stop();
        }
    }

    @Test
    void aReTagOfAMissingIdIsADeadLetterUnderRejectAndChangesNothingUnderUpsert() throws Exception {
        VectorSinkTask task = start(Map.of("errors.tolerance", "all", "errors.deadletterqueue.topic.name", "dlq"), true);
        try {
            task.put(List.of(record(0, "a", null, List.of(1f), null, null), record(1, "ghost", "UPDATE", null, "t", null)));
            task.preCommit(Map.of(P0, new OffsetAndMetadata(2)));

            assertThat(context.deadLetters()).extracting(SinkRecord::kafkaOffset).containsExactly(1L);
        } finally {
            task.stop();
        }
        VectorSinkTask upsert = start(Map.of(VectorSinkConfig.UPDATE_MISSING_POLICY_CONFIG, "upsert"), false);
        try {
            upsert.put(List.of(record(2, "ghost2", "UPDATE", null, "t", null)));
            assertThat(upsert.preCommit(Map.of(P0, new OffsetAndMetadata(3))).get(P0).offset()).isEqualTo(3);
            assertThat(read("ghost2")).isEmpty();
        } finally {
            upsert.stop();
        }
    }
}
