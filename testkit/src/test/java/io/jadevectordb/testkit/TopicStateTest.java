package io.jadevectordb.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.jadevectordb.oracle.ExpectedDatabase;

/** How a record read back from a topic changes the expected vector and metadata of its id. */
class TopicStateTest {

    private Schema schema;
    private ExpectedDatabase db;
    private long offset;

    @BeforeEach
    void setUp() throws Exception {
        Path repo = Path.of(System.getProperty("jvdb.repo", "..")).toAbsolutePath().normalize();
        schema = SampleMetadata.extend(new Schema.Parser().parse(Files.readString(repo.resolve("schemas/vector_mutation.avsc"))),
                SampleMetadata.Mode.TAGS);
        db = new ExpectedDatabase();
    }

    private GenericRecord value(String op, List<Float> vector, String title) {
        GenericRecord r = new GenericData.Record(schema);
        r.put("id", "x");
        r.put("op", new GenericData.EnumSymbol(schema.getField("op").schema(), op));
        r.put("vector", vector);
        r.put("title", title);
        return r;
    }

    private void apply(GenericRecord value) {
        byte[] bytes = value == null ? null : ConfluentAvroProducer.serialize(1, schema, value);
        TopicState.apply(db, new ConsumerRecord<>("t", 0, offset++, "x", bytes), new GenericDatumReader<>(schema));
    }

    private static byte[] metadata(GenericRecord value) {
        return ExpectedMetadata.of(value);
    }

    @Test
    void updateWithoutMetadataKeepsTheStoredMetadata() {
        GenericRecord store = value("STORE", List.of(1f, 2f), "first");
        apply(store);
        apply(value("UPDATE", List.of(3f, 4f), null));
        assertThat(db.live().get("x")).containsExactly(3f, 4f);
        assertThat(db.metadata().get("x")).isEqualTo(metadata(store));
    }

    @Test
    void retagReplacesTheMetadataAndKeepsTheVector() {
        apply(value("STORE", List.of(1f, 2f), "first"));
        GenericRecord retag = value("UPDATE", null, "second");
        apply(retag);
        assertThat(db.live().get("x")).containsExactly(1f, 2f);
        assertThat(db.metadata().get("x")).isEqualTo(metadata(retag)).isNotNull();
    }

    @Test
    void storeWithoutMetadataDropsTheStoredMetadata() {
        apply(value("STORE", List.of(1f, 2f), "first"));
        apply(value("STORE", List.of(5f, 6f), null));
        assertThat(db.live().get("x")).containsExactly(5f, 6f);
        assertThat(db.metadata()).doesNotContainKey("x");
    }

    @Test
    void deleteAndTombstoneRemoveBoth() {
        apply(value("STORE", List.of(1f, 2f), "first"));
        apply(null);
        assertThat(db.live()).isEmpty();
        assertThat(db.metadata()).isEmpty();
        apply(value("STORE", List.of(1f, 2f), "again"));
        apply(value("DELETE", null, null));
        assertThat(db.live()).isEmpty();
        assertThat(db.metadata()).isEmpty();
    }

    @Test
    void recordsTheSinkRejectsChangeNothing() {
        GenericRecord store = value("STORE", List.of(1f, 2f), "first");
        apply(store);
        apply(value("UPDATE", null, null));
        apply(value("STORE", null, "no vector"));
        assertThat(db.live().get("x")).containsExactly(1f, 2f);
        assertThat(db.metadata().get("x")).isEqualTo(metadata(store));
    }
}
