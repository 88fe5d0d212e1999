package io.jadevectordb.connect.apply;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.cbor.CBORFactory;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.json.JsonConverter;
import org.apache.kafka.connect.sink.SinkRecord;
import org.junit.jupiter.api.Test;

import io.jadevectordb.connect.VectorSinkConfig;
import io.jadevectordb.connect.avro.FastPathStructs;
import io.jadevectordb.connect.fixtures.ExpectedMetadata;
import io.jadevectordb.engine.Mutation.Op;

class RecordMapperTest {

    static final Schema VALUE_SCHEMA = SchemaBuilder.struct().name("VectorMutation")
            .field("database", Schema.OPTIONAL_STRING_SCHEMA)
            .field("id", Schema.OPTIONAL_STRING_SCHEMA)
            .field("op", Schema.OPTIONAL_STRING_SCHEMA)
            .field("vector", SchemaBuilder.array(Schema.FLOAT32_SCHEMA).optional().build())
            .field("vector_bytes", Schema.OPTIONAL_BYTES_SCHEMA)
            .field("source_doc", Schema.OPTIONAL_STRING_SCHEMA)
            .build();

    private static RecordMapper mapper(String... keyValues) {
        Map<String, String> props = new HashMap<>();
        props.put(VectorSinkConfig.DATA_DIR_CONFIG, "/tmp/unused-by-mapper");
        for (int i = 0; i < keyValues.length; i += 2) {
            props.put(keyValues[i], keyValues[i + 1]);
        }
        return new RecordMapper(new VectorSinkConfig(props));
    }

    private static SinkRecord record(Object key, Object value) {
        Schema valueSchema = value instanceof Struct s ? s.schema() : null;
        return new SinkRecord("vectors", 3, null, key, valueSchema, value, 42L);
    }

    private static Struct struct(String database, String id, String op, List<Float> vector) {
        return new Struct(VALUE_SCHEMA).put("database", database).put("id", id).put("op", op).put("vector", vector);
    }

    private static byte[] littleEndian(float... values) {
        ByteBuffer buffer = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            buffer.putFloat(v);
        }
        return buffer.array();
    }

    /**
     * Issue 18: a value's fields are looked up once per schema object. Records of other schemas
     * (other field positions, a field missing, an equal schema that is another object) in any
     * order must each be read through their own schema's fields.
     */
    @Test
    void readsEachRecordThroughItsOwnSchemaWhenSchemasAlternate() {
        RecordMapper mapper = mapper();
        Schema reordered = SchemaBuilder.struct().name("Reordered")
                .field("vector", SchemaBuilder.array(Schema.FLOAT32_SCHEMA).optional().build())
                .field("op", Schema.OPTIONAL_STRING_SCHEMA)
                .field("id", Schema.OPTIONAL_STRING_SCHEMA)
                .field("database", Schema.OPTIONAL_STRING_SCHEMA)
                .build();
        Schema noOp = SchemaBuilder.struct().name("NoOp")
                .field("id", Schema.OPTIONAL_STRING_SCHEMA)
                .field("database", Schema.OPTIONAL_STRING_SCHEMA)
                .field("vector", SchemaBuilder.array(Schema.FLOAT32_SCHEMA).optional().build())
                .build();
        Schema equalCopy = SchemaBuilder.struct().name("VectorMutation")
                .field("database", Schema.OPTIONAL_STRING_SCHEMA)
                .field("id", Schema.OPTIONAL_STRING_SCHEMA)
                .field("op", Schema.OPTIONAL_STRING_SCHEMA)
                .field("vector", SchemaBuilder.array(Schema.FLOAT32_SCHEMA).optional().build())
                .field("vector_bytes", Schema.OPTIONAL_BYTES_SCHEMA)
                .field("source_doc", Schema.OPTIONAL_STRING_SCHEMA)
                .build();
        for (int round = 0; round < 3; round++) {
            RoutedMutation a = mapper.map(record(null, struct("db-a", "a" + round, "STORE", List.of(1f, 2f)))).orElseThrow();
            RoutedMutation b = mapper.map(record(null, new Struct(reordered).put("vector", List.of(3f)).put("op", "UPDATE")
                    .put("id", "b" + round).put("database", "db-b"))).orElseThrow();
            RoutedMutation c = mapper.map(record(null, new Struct(noOp).put("id", "c" + round).put("database", "db-c")
                    .put("vector", List.of(4f, 5f, 6f)))).orElseThrow();
            RoutedMutation d = mapper.map(record(null, new Struct(equalCopy).put("database", "db-d").put("id", "d" + round)
                    .put("op", "DELETE"))).orElseThrow();
            assertThat(List.of(a.database(), a.mutation().id(), a.mutation().op())).containsExactly("db-a", "a" + round, Op.STORE);
            assertThat(a.mutation().vector()).containsExactly(1f, 2f);
            assertThat(List.of(b.database(), b.mutation().id(), b.mutation().op())).containsExactly("db-b", "b" + round, Op.UPDATE);
            assertThat(b.mutation().vector()).containsExactly(3f);
            assertThat(List.of(c.database(), c.mutation().id(), c.mutation().op())).containsExactly("db-c", "c" + round, Op.STORE);
            assertThat(c.mutation().vector()).containsExactly(4f, 5f, 6f);
            assertThat(List.of(d.database(), d.mutation().id(), d.mutation().op())).containsExactly("db-d", "d" + round, Op.DELETE);
        }
    }

    @Test
    void mapsAStructStoreWithItsOriginalPosition() {
        RoutedMutation routed = mapper().map(record("doc-1", struct("articles", "doc-1", null, List.of(1f, 2f, 3f))))
                .orElseThrow();

        assertThat(routed.database()).isEqualTo("articles");
        assertThat(routed.mutation().op()).isEqualTo(Op.STORE);
        assertThat(routed.mutation().id()).isEqualTo("doc-1");
        assertThat(routed.mutation().vector()).containsExactly(1f, 2f, 3f);
        assertThat(routed.mutation().sourceOffset()).isEqualTo(42L);
        assertThat(routed.position().partition().topic()).isEqualTo("vectors");
        assertThat(routed.position().partition().partition()).isEqualTo(3);
    }

    @Test
    void usesTheOriginalTopicPartitionAndOffsetAfterAnSmtRenamedTheTopic() {
        SinkRecord original = record("doc-1", struct("articles", "doc-1", "STORE", List.of(1f)));
        SinkRecord renamed = original.newRecord("renamed", 0, null, original.key(), original.valueSchema(),
                original.value(), null);

        RoutedMutation routed = mapper().map(renamed).orElseThrow();

        assertThat(routed.position().partition().topic()).isEqualTo("vectors");
        assertThat(routed.position().partition().partition()).isEqualTo(3);
        assertThat(routed.mutation().sourceOffset()).isEqualTo(42L);
    }

    @Test
    void decodesLittleEndianVectorBytes() {
        Struct value = new Struct(VALUE_SCHEMA).put("database", "db").put("id", "a")
                .put("vector_bytes", littleEndian(0.5f, -2f));

        RoutedMutation routed = mapper().map(record(null, value)).orElseThrow();

        assertThat(routed.mutation().vector()).as("no float[] is built for bytes").isNull();
        assertThat(routed.mutation().vectorAsFloats()).containsExactly(0.5f, -2f);
    }

    @Test
    void vectorBytesReachTheEngineAsTheRecordsOwnBytesWithoutACopy() {
        byte[] bytes = littleEndian(0.5f, -2f);
        Struct value = new Struct(VALUE_SCHEMA).put("database", "db").put("id", "a").put("vector_bytes", bytes);

        RoutedMutation routed = mapper().map(record(null, value)).orElseThrow();

        // The converter's byte[] is the record's alone: the mutation reads it in place, the engine copies it into its log.
        ByteBuffer view = routed.mutation().vectorBytes();
        bytes[0] = 1;
        assertThat(view.get(0)).isEqualTo((byte) 1);
        assertThat(view.isReadOnly()).isTrue();
        assertThat(routed.approximateBytes()).as("the same footprint as the float[] of the vector")
                .isEqualTo(mapper().map(record(null, struct("db", "a", null, List.of(0.5f, -2f)))).orElseThrow().approximateBytes());
    }

    @Test
    void aByteBufferSliceOfALargerArrayIsCopiedSoTheBufferHoldsOnlyTheVector() {
        byte[] large = new byte[1000];
        byte[] vector = littleEndian(3f, 4f);
        System.arraycopy(vector, 0, large, 100, vector.length);
        Struct value = new Struct(VALUE_SCHEMA).put("database", "db").put("id", "a")
                .put("vector_bytes", ByteBuffer.wrap(large, 100, vector.length).slice());

        RoutedMutation routed = mapper().map(record(null, value)).orElseThrow();

        assertThat(routed.mutation().vectorAsFloats()).containsExactly(3f, 4f);
        large[100] = 0x7f; // the large array may belong to someone else: the mutation has its own bytes
        assertThat(routed.mutation().vectorAsFloats()).containsExactly(3f, 4f);
        assertThat(routed.approximateBytes()).isLessThan(400);
    }

    @Test
    void mapsSchemalessJsonWithDoublesAndIntegers() {
        Map<String, Object> value = Map.of("database", "db", "id", "a", "op", "update",
                "vector", List.of(1, 2.5d, 3L));

        RoutedMutation routed = mapper().map(record(null, value)).orElseThrow();

        assertThat(routed.mutation().op()).isEqualTo(Op.UPDATE);
        assertThat(routed.mutation().vector()).containsExactly(1f, 2.5f, 3f);
    }

    @Test
    void mapsSchemalessBase64VectorBytes() {
        String base64 = Base64.getEncoder().encodeToString(littleEndian(7f));
        Map<String, Object> value = Map.of("database", "db", "id", "a", "vector_bytes", base64);

        assertThat(mapper().map(record(null, value)).orElseThrow().mutation().vectorAsFloats()).containsExactly(7f);
    }

    @Test
    void updateBecomesStoreUnderUpsertPolicy() {
        RoutedMutation routed = mapper(VectorSinkConfig.UPDATE_MISSING_POLICY_CONFIG, "upsert")
                .map(record(null, struct("db", "a", "UPDATE", List.of(1f)))).orElseThrow();

        assertThat(routed.mutation().op()).isEqualTo(Op.STORE);
    }

    @Test
    void deleteNeedsNoVector() {
        RoutedMutation routed = mapper().map(record(null, struct("db", "a", "DELETE", null))).orElseThrow();

        assertThat(routed.mutation().op()).isEqualTo(Op.DELETE);
        assertThat(routed.mutation().vector()).isNull();
    }

    @Test
    void tombstoneDeletesTheIdAndDatabaseOfAStructKey() {
        Schema keySchema = SchemaBuilder.struct().field("database", Schema.STRING_SCHEMA)
                .field("id", Schema.STRING_SCHEMA).build();
        Struct key = new Struct(keySchema).put("database", "images").put("id", "img-9");

        RoutedMutation routed = mapper().map(record(key, null)).orElseThrow();

        assertThat(routed.database()).isEqualTo("images");
        assertThat(routed.mutation().op()).isEqualTo(Op.DELETE);
        assertThat(routed.mutation().id()).isEqualTo("img-9");
    }

    @Test
    void tombstoneWithAStringKeyIsRoutedByTopicTemplate() {
        RoutedMutation routed = mapper(VectorSinkConfig.DATABASE_ROUTING_CONFIG, "topic",
                VectorSinkConfig.DATABASE_TOPIC_TEMPLATE_CONFIG, "emb-${topic}")
                .map(record("doc-3", null)).orElseThrow();

        assertThat(routed.database()).isEqualTo("emb-vectors");
        assertThat(routed.mutation().id()).isEqualTo("doc-3");
    }

    @Test
    void ignoredTombstoneMapsToNothing() {
        assertThat(mapper(VectorSinkConfig.TOMBSTONE_BEHAVIOR_CONFIG, "ignore").map(record("doc-3", null))).isEmpty();
    }

    @Test
    void idComesFromTheKeyWhenConfigured() {
        RoutedMutation routed = mapper(VectorSinkConfig.ID_SOURCE_CONFIG, "key")
                .map(record("from-key", struct("db", "from-value", null, List.of(1f)))).orElseThrow();

        assertThat(routed.mutation().id()).isEqualTo("from-key");
    }

    @Test
    void databaseFallsBackToTheKeyField() {
        Map<String, Object> key = Map.of("database", "from-key", "id", "a");
        Map<String, Object> value = Map.of("id", "a", "vector", List.of(1f));

        assertThat(mapper().map(record(key, value)).orElseThrow().database()).isEqualTo("from-key");
    }

    @Test
    void missingIdIsADataErrorNamingPositionFieldAndFix() {
        assertThatThrownBy(() -> mapper().map(record(null, struct("db", null, null, List.of(1f)))))
                .isInstanceOf(InvalidRecordException.class)
                .hasMessageContaining("topic vectors partition 3 offset 42")
                .hasMessageContaining("field 'id'")
                .hasMessageContaining("fix:");
    }

    @Test
    void unknownOpIsADataErrorListingTheAllowedOps() {
        assertThatThrownBy(() -> mapper().map(record(null, struct("db", "a", "UPSERT", List.of(1f)))))
                .isInstanceOf(InvalidRecordException.class)
                .hasMessageContaining("'UPSERT'")
                .hasMessageContaining("STORE, UPDATE, DELETE");
    }

    @Test
    void storeWithoutVectorIsADataError() {
        assertThatThrownBy(() -> mapper().map(record(null, struct("db", "a", "STORE", null))))
                .isInstanceOf(InvalidRecordException.class)
                .hasMessageContaining("carries no vector");
    }

    @Test
    void bothVectorFormsAtOnceIsADataError() {
        Struct value = struct("db", "a", null, List.of(1f)).put("vector_bytes", littleEndian(1f));

        assertThatThrownBy(() -> mapper().map(record(null, value))).hasMessageContaining("exactly one");
    }

    @Test
    void vectorBytesNotAMultipleOfFourIsADataError() {
        Struct value = new Struct(VALUE_SCHEMA).put("database", "db").put("id", "a").put("vector_bytes", new byte[6]);

        assertThatThrownBy(() -> mapper().map(record(null, value)))
                .isInstanceOf(InvalidRecordException.class)
                .hasMessageContaining("<6 bytes>")
                .hasMessageContaining("multiple of 4");
    }

    @Test
    void nonNumericVectorComponentNamesItsIndex() {
        Map<String, Object> value = Map.of("database", "db", "id", "a", "vector", List.of(1, "two"));

        assertThatThrownBy(() -> mapper().map(record(null, value))).hasMessageContaining("field 'vector[1]'");
    }

    @Test
    void rawBytesValueIsADataErrorNamingTheConverterFix() {
        assertThatThrownBy(() -> mapper().map(record(null, new byte[] {1, 2})))
                .isInstanceOf(InvalidRecordException.class)
                .hasMessageContaining("converter");
    }

    @Test
    void tombstoneUnderFailIsADataError() {
        assertThatThrownBy(() -> mapper(VectorSinkConfig.TOMBSTONE_BEHAVIOR_CONFIG, "fail").map(record("a", null)))
                .isInstanceOf(InvalidRecordException.class)
                .hasMessageContaining("tombstone.behavior=fail");
    }

    @Test
    void tombstoneWithAStringKeyFallsBackToTheTopicUnderFieldRouting() {
        RoutedMutation routed = mapper().map(record("doc-1", null)).orElseThrow();

        assertThat(routed.database()).isEqualTo("vectors");
        assertThat(routed.mutation().id()).isEqualTo("doc-1");
    }

    @Test
    void recordWithoutDatabaseFallsBackToTheTopicTemplate() {
        RoutedMutation routed = mapper(VectorSinkConfig.DATABASE_TOPIC_TEMPLATE_CONFIG, "db-${topic}")
                .map(record(null, struct(null, "a", null, List.of(1f)))).orElseThrow();

        assertThat(routed.database()).isEqualTo("db-vectors");
    }

    @Test
    void anEmptyDatabaseFieldRoutesEveryRecordByTheTemplateAsTheDeprecatedTopicRoutingDid() {
        SinkRecord named = record(Map.of("database", "in-key"), struct("elsewhere", "a", null, List.of(1f)));
        String[] template = {VectorSinkConfig.DATABASE_TOPIC_TEMPLATE_CONFIG, "emb-${topic}"};

        RoutedMutation byNewKey = mapper(VectorSinkConfig.DATABASE_FIELD_CONFIG, "", template[0], template[1])
                .map(named).orElseThrow();
        RoutedMutation byOldKey = mapper(VectorSinkConfig.DATABASE_ROUTING_CONFIG, "topic", template[0], template[1])
                .map(named).orElseThrow();

        assertThat(byNewKey.database()).isEqualTo("emb-vectors");
        assertThat(byOldKey.database()).isEqualTo("emb-vectors");
    }

    @Test
    void theDeprecatedFieldRoutingReadsTheFieldAsTheDefaultDoes() {
        SinkRecord named = record("a", struct("articles", "a", null, List.of(1f)));
        SinkRecord unnamed = record("a", struct(null, "a", null, List.of(1f)));
        RecordMapper old = mapper(VectorSinkConfig.DATABASE_ROUTING_CONFIG, "field");

        assertThat(old.map(named).orElseThrow().database()).isEqualTo(mapper().map(named).orElseThrow().database())
                .isEqualTo("articles");
        assertThat(old.map(unnamed).orElseThrow().database()).isEqualTo("vectors");
    }

    @Test
    void topicRoutingIgnoresTheDatabaseField() {
        RoutedMutation routed = mapper(VectorSinkConfig.DATABASE_ROUTING_CONFIG, "topic")
                .map(record(null, struct("elsewhere", "a", null, List.of(1f)))).orElseThrow();

        assertThat(routed.database()).isEqualTo("vectors");
    }

    @Test
    void hostileDatabaseNamesPassThroughForTheEngineToValidate() {
        RoutedMutation routed = mapper().map(record(null, struct("../x", "a", null, List.of(1f)))).orElseThrow();

        assertThat(routed.database()).isEqualTo("../x");
    }

    // ---- metadata (issue 17) ----

    private static byte[] cbor(Object... fieldValues) {
        return ExpectedMetadata.pairs(fieldValues);
    }

    @Test
    void aStoreCarriesTheFieldsTheSinkDoesNotReadAsMetadata() {
        Struct value = struct("db", "a", "STORE", List.of(1f)).put("source_doc", "doc-7");

        RoutedMutation routed = mapper().map(record(null, value)).orElseThrow();

        assertThat(routed.mutation().metadata()).isEqualTo(cbor("source_doc", "doc-7"));
        assertThat(routed.approximateBytes()).as("buffer accounting counts the metadata")
                .isEqualTo(mapper(VectorSinkConfig.METADATA_FIELDS_CONFIG, "none").map(record(null, value)).orElseThrow()
                        .approximateBytes() + 16 + routed.mutation().metadata().length);
    }

    @Test
    void anUpdateWithMetadataAndNoVectorReTagsTheStoredVector() {
        Struct value = struct("db", "a", "UPDATE", null).put("source_doc", "doc-8");

        RoutedMutation routed = mapper().map(record(null, value)).orElseThrow();

        assertThat(routed.mutation().op()).isEqualTo(Op.UPDATE);
        assertThat(routed.mutation().vector()).isNull();
        assertThat(routed.mutation().metadata()).isEqualTo(cbor("source_doc", "doc-8"));
    }

    @Test
    void anUpdateWithNeitherVectorNorMetadataIsABadRecord() {
        assertThatThrownBy(() -> mapper().map(record(null, struct("db", "a", "UPDATE", null))))
                .isInstanceOf(InvalidRecordException.class)
                .hasMessageContaining("offset 42")
                .hasMessageContaining("UPDATE carries neither a vector nor metadata")
                .hasMessageContaining("metadata.fields");
    }

    @Test
    void aStoreWithMetadataButNoVectorIsStillABadRecord() {
        assertThatThrownBy(() -> mapper().map(record(null, struct("db", "a", "STORE", null).put("source_doc", "d"))))
                .isInstanceOf(InvalidRecordException.class)
                .hasMessageContaining("STORE carries no vector");
    }

    @Test
    void upsertTurnsAnUpdateWithAVectorIntoAStoreButKeepsAReTagAnUpdate() {
        RecordMapper upsert = mapper(VectorSinkConfig.UPDATE_MISSING_POLICY_CONFIG, "upsert");

        RoutedMutation withVector = upsert.map(record(null, struct("db", "a", "UPDATE", List.of(1f))
                .put("source_doc", "d"))).orElseThrow();
        RoutedMutation reTag = upsert.map(record(null, struct("db", "a", "UPDATE", null).put("source_doc", "d")))
                .orElseThrow();

        assertThat(withVector.mutation().op()).isEqualTo(Op.STORE);
        assertThat(withVector.mutation().metadata()).isEqualTo(cbor("source_doc", "d"));
        assertThat(reTag.mutation().op()).isEqualTo(Op.UPDATE);
        assertThat(reTag.mutation().vector()).isNull();
    }

    @Test
    void metadataFieldsNoneKeepsNothingSoAVectorlessUpdateIsABadRecord() {
        RecordMapper none = mapper(VectorSinkConfig.METADATA_FIELDS_CONFIG, "none");

        RoutedMutation store = none.map(record(null, struct("db", "a", null, List.of(1f)).put("source_doc", "d")))
                .orElseThrow();

        assertThat(store.mutation().metadata()).isNull();
        assertThatThrownBy(() -> none.map(record(null, struct("db", "a", "UPDATE", null).put("source_doc", "d"))))
                .isInstanceOf(InvalidRecordException.class);
    }

    @Test
    void metadataFieldsListKeepsOnlyTheListedFields() {
        Map<String, Object> value = new LinkedHashMap<>();
        value.put("id", "a");
        value.put("vector", List.of(1f));
        value.put("title", "T");
        value.put("lang", "en");
        value.put("year", 2001L);

        RoutedMutation routed = mapper(VectorSinkConfig.METADATA_FIELDS_CONFIG, "year, lang")
                .map(record(null, value)).orElseThrow();

        assertThat(routed.mutation().metadata()).isEqualTo(cbor("lang", "en", "year", 2001L));
    }

    @Test
    void schemalessJsonKeepsItsOtherFieldsAndCanReTag() {
        Map<String, Object> value = new LinkedHashMap<>();
        value.put("database", "db");
        value.put("op", "update");
        value.put("id", "a");
        value.put("lang", "de");

        RoutedMutation routed = mapper().map(record(null, value)).orElseThrow();

        assertThat(routed.mutation().op()).isEqualTo(Op.UPDATE);
        assertThat(routed.mutation().vector()).isNull();
        assertThat(routed.mutation().metadata()).isEqualTo(cbor("lang", "de"));
    }

    @Test
    void deletesAndTombstonesCarryNoMetadata() {
        RoutedMutation delete = mapper().map(record(null, struct("db", "a", "DELETE", null).put("source_doc", "d")))
                .orElseThrow();
        RoutedMutation tombstone = mapper().map(record("a", null)).orElseThrow();

        assertThat(delete.mutation().metadata()).isNull();
        assertThat(tombstone.mutation().metadata()).isNull();
    }

    @Test
    void oversizeMetadataIsABadRecordAtTheRecordsPosition() {
        Struct value = struct("db", "a", null, List.of(1f)).put("source_doc", "x".repeat(300));

        assertThatThrownBy(() -> mapper(VectorSinkConfig.METADATA_MAX_BYTES_CONFIG, "100").map(record(null, value)))
                .isInstanceOf(InvalidRecordException.class)
                .hasMessageContaining("topic vectors partition 3 offset 42")
                .hasMessageContaining("field 'metadata'")
                .hasMessageContaining("metadata.max.bytes=100");
    }

    @Test
    void theFastPathsPreEncodedMetadataIsTakenAsItIsUnlessNoneIsKept() {
        byte[] encoded = cbor("lang", "en", "year", 1999L);
        Struct fast = FastPathStructs.value("db", "a", null, littleEndian(1f), encoded);

        assertThat(mapper().map(record(null, fast)).orElseThrow().mutation().metadata()).isSameAs(encoded);
        assertThat(mapper(VectorSinkConfig.METADATA_FIELDS_CONFIG, "none").map(record(null, fast)).orElseThrow()
                .mutation().metadata()).isNull();
        assertThatThrownBy(() -> mapper(VectorSinkConfig.METADATA_MAX_BYTES_CONFIG, "5").map(record(null, fast)))
                .isInstanceOf(InvalidRecordException.class)
                .hasMessageContaining("<" + encoded.length + " bytes>")
                .hasMessageContaining("metadata.max.bytes=5");
    }

    @Test
    void aStructFromAnotherConverterWithAMetadataFieldKeepsItAsAnOrdinaryField() {
        Schema schema = SchemaBuilder.struct().name("io.jadevectordb.VectorMutation")
                .field("id", Schema.STRING_SCHEMA).field("vector", SchemaBuilder.array(Schema.FLOAT32_SCHEMA).build())
                .field("metadata", Schema.OPTIONAL_STRING_SCHEMA).build();
        Struct value = new Struct(schema).put("id", "a").put("vector", List.of(1f)).put("metadata", "mine");

        assertThat(mapper().map(record(null, value)).orElseThrow().mutation().metadata())
                .isEqualTo(cbor("metadata", "mine"));
    }

    @Test
    void schemalessJsonThroughTheRealJsonConverterKeepsItsTypesInTheConvertedMapsOrder() throws IOException {
        JsonConverter json = new JsonConverter();
        json.configure(Map.of("schemas.enable", "false"), false);
        byte[] wire = ("{\"id\":\"a\",\"vector\":[1.0],\"zeta\":7,\"alpha\":\"x\",\"ratio\":0.5,\"flag\":true,"
                + "\"tags\":[\"p\",null],\"nested\":{\"k\":-1},\"gone\":null}").getBytes(StandardCharsets.UTF_8);
        Map<?, ?> value = (Map<?, ?>) json.toConnectData("vectors", wire).value();

        byte[] metadata = mapper().map(record(null, value)).orElseThrow().mutation().metadata();

        @SuppressWarnings("unchecked")
        Map<String, Object> decoded = new ObjectMapper(new CBORFactory()).readValue(metadata, Map.class);
        assertThat(decoded).containsOnlyKeys("zeta", "alpha", "ratio", "flag", "tags", "nested");
        assertThat(decoded.get("zeta")).isEqualTo(7);
        assertThat(decoded.get("ratio")).isEqualTo(0.5d);
        assertThat(decoded.get("tags")).isEqualTo(Arrays.asList("p", null));
        List<String> order = new ArrayList<>();
        value.keySet().forEach(k -> order.add((String) k));
        order.removeAll(List.of("id", "vector", "gone"));
        assertThat(List.copyOf(decoded.keySet())).as("the converted map's iteration order").isEqualTo(order);
    }
}
