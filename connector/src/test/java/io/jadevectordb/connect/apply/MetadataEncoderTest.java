package io.jadevectordb.connect.apply;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Date;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.dataformat.cbor.CBORGenerator;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.data.Decimal;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.data.Time;
import org.apache.kafka.connect.data.Timestamp;
import org.junit.jupiter.api.Test;

import io.jadevectordb.connect.fixtures.ExpectedMetadata;
import io.jadevectordb.connect.offsets.KafkaPosition;

/**
 * The metadata contract, byte for byte: each expected document is written here with a fresh
 * Jackson {@link CBORGenerator}, call by call as the contract spells the mapping, and compared
 * with what the encoder made of a Connect value.
 */
class MetadataEncoderTest {

    private static final KafkaPosition POSITION = new KafkaPosition(new TopicPartition("vectors", 2), 17);
    private static final Set<String> SINK_FIELDS = Set.of("database", "id", "op", "vector", "vector_bytes");

    private interface Writes {
        void to(CBORGenerator g) throws IOException;
    }

    /** The expected document: one map written by {@code body} with a generator of default features. */
    private static byte[] expected(Writes body) {
        return ExpectedMetadata.map(body::to);
    }

    private static MetadataEncoder all() {
        return new MetadataEncoder(null, SINK_FIELDS, 65536);
    }

    private static Struct one(Schema fieldSchema, Object value) {
        Schema schema = SchemaBuilder.struct().field("id", Schema.STRING_SCHEMA).field("f", fieldSchema).build();
        return new Struct(schema).put("id", "a").put("f", value);
    }

    private static byte[] encodeOne(Schema fieldSchema, Object value) {
        return all().encode(POSITION, one(fieldSchema, value));
    }

    @Test
    void writesAnIndefiniteLengthMapOfTextKeysWithTheShortestIntegers() {
        Schema schema = SchemaBuilder.struct().field("id", Schema.STRING_SCHEMA).field("n", Schema.INT64_SCHEMA).build();

        byte[] cbor = all().encode(POSITION, new Struct(schema).put("id", "x").put("n", 10L));

        // BF (map, indefinite) 61 6E ("n") 0A (10) FF (break): the defaults, pinned as hex.
        assertThat(HexFormat.of().formatHex(cbor)).isEqualTo("bf616e0aff");
    }

    @Test
    void theExampleInSchemasMdIsWhatTheEncoderWrites() {
        Schema schema = SchemaBuilder.struct().field("title", Schema.STRING_SCHEMA).field("year", Schema.INT32_SCHEMA).build();

        byte[] cbor = all().encode(POSITION, new Struct(schema).put("title", "Vectors").put("year", 2024));

        assertThat(HexFormat.of().formatHex(cbor)).isEqualTo("bf657469746c656756656374" + "6f72736479656172" + "1907e8ff");
    }

    @Test
    void encodesEveryPrimitiveConnectTypeAsTheContractSays() throws IOException {
        Schema schema = SchemaBuilder.struct()
                .field("i8", Schema.INT8_SCHEMA).field("i16", Schema.INT16_SCHEMA).field("i32", Schema.INT32_SCHEMA)
                .field("i64", Schema.INT64_SCHEMA).field("f32", Schema.FLOAT32_SCHEMA).field("f64", Schema.FLOAT64_SCHEMA)
                .field("b", Schema.BOOLEAN_SCHEMA).field("s", Schema.STRING_SCHEMA).field("bytes", Schema.BYTES_SCHEMA)
                .field("nan", Schema.FLOAT64_SCHEMA).field("inf", Schema.FLOAT32_SCHEMA).build();
        Struct value = new Struct(schema).put("i8", (byte) -3).put("i16", (short) 300).put("i32", 70000)
                .put("i64", Long.MIN_VALUE).put("f32", 1.5f).put("f64", 0.1d).put("b", true).put("s", "héllo")
                .put("bytes", new byte[] {0, -1, 7}).put("nan", Double.NaN).put("inf", Float.NEGATIVE_INFINITY);

        byte[] cbor = all().encode(POSITION, value);

        assertThat(cbor).isEqualTo(expected(g -> {
            g.writeFieldName("i8");
            g.writeNumber(-3L);
            g.writeFieldName("i16");
            g.writeNumber(300L);
            g.writeFieldName("i32");
            g.writeNumber(70000L);
            g.writeFieldName("i64");
            g.writeNumber(Long.MIN_VALUE);
            g.writeFieldName("f32");
            g.writeNumber(1.5f);
            g.writeFieldName("f64");
            g.writeNumber(0.1d);
            g.writeFieldName("b");
            g.writeBoolean(true);
            g.writeFieldName("s");
            g.writeString("héllo");
            g.writeFieldName("bytes");
            g.writeBinary(new byte[] {0, -1, 7}, 0, 3);
            g.writeFieldName("nan");
            g.writeNumber(Double.NaN);
            g.writeFieldName("inf");
            g.writeNumber(Float.NEGATIVE_INFINITY);
        }));
    }

    @Test
    void float32StaysSinglePrecisionAndFloat64Double() {
        // FA = float32, FB = float64: a wrong width would still round-trip 1.5, so pin the head bytes.
        assertThat(encodeOne(Schema.FLOAT32_SCHEMA, 1.5f)).containsSubsequence((byte) 0xFA, (byte) 0x3F, (byte) 0xC0);
        assertThat(encodeOne(Schema.FLOAT64_SCHEMA, 1.5d)).containsSubsequence((byte) 0xFB, (byte) 0x3F, (byte) 0xF8);
    }

    @Test
    void byteBufferSlicesEncodeOnlyTheirRemainingBytes() throws IOException {
        ByteBuffer slice = ByteBuffer.wrap(new byte[] {9, 1, 2, 3, 9}, 1, 3);

        assertThat(encodeOne(Schema.BYTES_SCHEMA, slice)).isEqualTo(expected(g -> {
            g.writeFieldName("f");
            g.writeBinary(new byte[] {1, 2, 3}, 0, 3);
        }));
    }

    @Test
    void timestampIsTagOneWithFloatSecondsIncludingBeforeTheEpoch() throws IOException {
        assertThat(encodeOne(Timestamp.SCHEMA, new Date(1_700_000_000_123L))).isEqualTo(expected(g -> {
            g.writeFieldName("f");
            g.writeTag(1);
            g.writeNumber(1_700_000_000.123d);
        }));
        assertThat(encodeOne(Timestamp.SCHEMA, new Date(-1500L))).isEqualTo(expected(g -> {
            g.writeFieldName("f");
            g.writeTag(1);
            g.writeNumber(-1.5d);
        }));
    }

    @Test
    void dateIsTagOneHundredWithDaysSinceTheEpoch() throws IOException {
        Date day = org.apache.kafka.connect.data.Date.toLogical(org.apache.kafka.connect.data.Date.SCHEMA, 19_000); // CHECKSTYLE:FQN clashes with java.util.Date

        assertThat(encodeOne(org.apache.kafka.connect.data.Date.SCHEMA, day)).isEqualTo(expected(g -> { // CHECKSTYLE:FQN clashes with java.util.Date
            g.writeFieldName("f");
            g.writeTag(100);
            g.writeNumber(19_000L);
        }));
        assertThat(encodeOne(org.apache.kafka.connect.data.Date.SCHEMA, new Date(-86_400_000L))).isEqualTo(expected(g -> { // CHECKSTYLE:FQN clashes with java.util.Date
            g.writeFieldName("f");
            g.writeTag(100);
            g.writeNumber(-1L);
        }));
    }

    @Test
    void timeIsAPlainIntegerOfMillisOfTheDay() throws IOException {
        assertThat(encodeOne(Time.SCHEMA, new Date(45_296_789L))).isEqualTo(expected(g -> {
            g.writeFieldName("f");
            g.writeNumber(45_296_789L);
        }));
    }

    @Test
    void decimalIsJacksonsTagFourDecimalFraction() throws IOException {
        BigDecimal price = new BigDecimal("-12345.678");

        byte[] cbor = encodeOne(Decimal.schema(3), price);

        assertThat(cbor).isEqualTo(expected(g -> {
            g.writeFieldName("f");
            g.writeNumber(price);
        }));
        // C4 (tag 4) 82 (array of 2) 22 (exponent -3) 3A 00BC614D (mantissa -12345678)
        assertThat(HexFormat.of().formatHex(cbor)).contains("c482223a00bc614d");
    }

    @Test
    void arraysMapsAndNestedStructsNestWithNullsInsideKeptInSchemaOrder() throws IOException {
        Schema author = SchemaBuilder.struct().name("Author").field("name", Schema.STRING_SCHEMA)
                .field("email", Schema.OPTIONAL_STRING_SCHEMA).field("age", Schema.INT32_SCHEMA).build();
        Schema schema = SchemaBuilder.struct()
                .field("tags", SchemaBuilder.array(Schema.OPTIONAL_STRING_SCHEMA).build())
                .field("scores", SchemaBuilder.map(Schema.STRING_SCHEMA, Schema.FLOAT64_SCHEMA).build())
                .field("ranks", SchemaBuilder.map(Schema.INT32_SCHEMA, Schema.STRING_SCHEMA).build())
                .field("author", author).build();
        Map<String, Double> scores = new LinkedHashMap<>();
        scores.put("bm25", 2.5);
        scores.put("cos", -0.25);
        Map<Integer, String> ranks = new LinkedHashMap<>();
        ranks.put(1, "gold");
        ranks.put(-2, "lead");
        List<String> tags = new ArrayList<>();
        tags.add("a");
        tags.add(null);
        Struct value = new Struct(schema).put("tags", tags).put("scores", scores).put("ranks", ranks)
                .put("author", new Struct(author).put("name", "Ada").put("age", 36));

        assertThat(all().encode(POSITION, value)).isEqualTo(expected(g -> {
            g.writeFieldName("tags");
            g.writeStartArray();
            g.writeString("a");
            g.writeNull();
            g.writeEndArray();
            g.writeFieldName("scores");
            g.writeStartObject();
            g.writeFieldName("bm25");
            g.writeNumber(2.5d);
            g.writeFieldName("cos");
            g.writeNumber(-0.25d);
            g.writeEndObject();
            g.writeFieldName("ranks");
            g.writeStartObject();
            g.writeFieldId(1);
            g.writeString("gold");
            g.writeFieldId(-2);
            g.writeString("lead");
            g.writeEndObject();
            g.writeFieldName("author");
            g.writeStartObject();
            g.writeFieldName("name");
            g.writeString("Ada");
            g.writeFieldName("email");
            g.writeNull();
            g.writeFieldName("age");
            g.writeNumber(36L);
            g.writeEndObject();
        }));
    }

    @Test
    void topLevelNullsAndTheSinksOwnFieldsAreLeftOut() throws IOException {
        Schema schema = SchemaBuilder.struct().field("database", Schema.STRING_SCHEMA).field("title", Schema.OPTIONAL_STRING_SCHEMA)
                .field("id", Schema.STRING_SCHEMA).field("lang", Schema.OPTIONAL_STRING_SCHEMA)
                .field("vector", SchemaBuilder.array(Schema.FLOAT32_SCHEMA).build()).build();
        Struct value = new Struct(schema).put("database", "db").put("id", "a").put("lang", "en").put("vector", List.of(1f));

        assertThat(all().encode(POSITION, value)).isEqualTo(expected(g -> {
            g.writeFieldName("lang");
            g.writeString("en");
        }));
    }

    @Test
    void aSchemaDefaultIsNotWhatTheWriterSent() {
        Schema schema = SchemaBuilder.struct().field("id", Schema.STRING_SCHEMA)
                .field("lang", SchemaBuilder.string().optional().defaultValue("en").build()).build();

        assertThat(all().encode(POSITION, new Struct(schema).put("id", "a"))).isNull();
    }

    @Test
    void noKeptNonNullFieldMeansNoMetadataNotAnEmptyMap() {
        Schema schema = SchemaBuilder.struct().field("id", Schema.STRING_SCHEMA)
                .field("title", Schema.OPTIONAL_STRING_SCHEMA).build();

        assertThat(all().encode(POSITION, new Struct(schema).put("id", "a"))).isNull();
        assertThat(all().encode(POSITION, Map.of("id", "a"))).isNull();
    }

    @Test
    void aFieldListKeepsOnlyThoseInTheWritersOrder() throws IOException {
        Schema schema = SchemaBuilder.struct().field("year", Schema.INT32_SCHEMA).field("title", Schema.STRING_SCHEMA)
                .field("lang", Schema.STRING_SCHEMA).build();
        Struct value = new Struct(schema).put("year", 2001).put("title", "T").put("lang", "en");

        byte[] cbor = new MetadataEncoder(Set.of("lang", "year", "absent"), SINK_FIELDS, 65536).encode(POSITION, value);

        assertThat(cbor).isEqualTo(expected(g -> {
            g.writeFieldName("year");
            g.writeNumber(2001L);
            g.writeFieldName("lang");
            g.writeString("en");
        }));
    }

    @Test
    void schemalessJsonValuesEncodeByTheirJavaTypesInMapOrder() throws IOException {
        Map<String, Object> nested = new LinkedHashMap<>();
        nested.put("x", 1L);
        nested.put("y", null);
        List<Object> list = new ArrayList<>();
        list.add(true);
        list.add(2.5d);
        list.add(null);
        Map<String, Object> value = new LinkedHashMap<>();
        value.put("id", "a");
        value.put("title", "T");
        value.put("count", 7);
        value.put("big", 1L << 40);
        value.put("ratio", 0.5d);
        value.put("missing", null);
        value.put("list", list);
        value.put("nested", nested);

        assertThat(all().encode(POSITION, value)).isEqualTo(expected(g -> {
            g.writeFieldName("title");
            g.writeString("T");
            g.writeFieldName("count");
            g.writeNumber(7L);
            g.writeFieldName("big");
            g.writeNumber(1L << 40);
            g.writeFieldName("ratio");
            g.writeNumber(0.5d);
            g.writeFieldName("list");
            g.writeStartArray();
            g.writeBoolean(true);
            g.writeNumber(2.5d);
            g.writeNull();
            g.writeEndArray();
            g.writeFieldName("nested");
            g.writeStartObject();
            g.writeFieldName("x");
            g.writeNumber(1L);
            g.writeFieldName("y");
            g.writeNull();
            g.writeEndObject();
        }));
    }

    @Test
    void nestingDeeperThanTheLimitIsABadRecordNotAStackOverflow() {
        Object deep = "leaf";
        for (int i = 0; i < 100_000; i++) {
            deep = List.of(deep);
        }
        Object tooDeep = deep;

        assertThatThrownBy(() -> all().encode(POSITION, Map.of("id", "a", "deep", tooDeep)))
                .isInstanceOf(InvalidRecordException.class)
                .hasMessageContaining("topic vectors partition 2 offset 17")
                .hasMessageContaining("field 'deep" + "[0]".repeat(MetadataEncoder.MAX_DEPTH - 1) + "'")
                .hasMessageContaining("deeper than 64")
                .hasMessageContaining("send metadata nested less deeply");
    }

    @Test
    void exactlyTheNestingLimitIsAccepted() {
        Object deep = 1L;
        for (int i = 0; i < MetadataEncoder.MAX_DEPTH - 1; i++) {
            deep = List.of(deep); // 63 arrays under the top-level map: 64 levels
        }

        assertThat(all().encode(POSITION, Map.of("deep", deep))).isNotNull();
        Object oneMore = List.of(deep);
        assertThatThrownBy(() -> all().encode(POSITION, Map.of("deep", oneMore))).isInstanceOf(InvalidRecordException.class);
    }

    @Test
    void aDocumentAboveTheLimitIsABadRecordNamingSizeLimitAndFix() {
        MetadataEncoder encoder = new MetadataEncoder(null, SINK_FIELDS, 100);

        assertThatThrownBy(() -> encoder.encode(POSITION, Map.of("id", "a", "text", "x".repeat(200))))
                .isInstanceOf(InvalidRecordException.class)
                .hasMessageContaining("field 'metadata'")
                .hasMessageContaining("metadata.max.bytes=100")
                .hasMessageContaining("keep fewer fields with metadata.fields, or raise metadata.max.bytes");
    }

    @Test
    void aDocumentOfExactlyTheLimitIsKept() throws IOException {
        byte[] exact = expected(g -> {
            g.writeFieldName("t");
            g.writeString("x".repeat(50));
        });

        assertThat(new MetadataEncoder(null, SINK_FIELDS, exact.length).encode(POSITION, Map.of("t", "x".repeat(50))))
                .isEqualTo(exact);
        assertThatThrownBy(() -> new MetadataEncoder(null, SINK_FIELDS, exact.length - 1)
                .encode(POSITION, Map.of("t", "x".repeat(50)))).isInstanceOf(InvalidRecordException.class);
    }

    @Test
    void mapKeysOtherThanStringsOrIntegersAreABadRecordNamingThePath() {
        Map<Object, Object> byDouble = new LinkedHashMap<>();
        byDouble.put(1.5d, "x");
        Schema schema = SchemaBuilder.struct().field("id", Schema.STRING_SCHEMA)
                .field("attrs", SchemaBuilder.struct().field("weights",
                        SchemaBuilder.map(Schema.FLOAT64_SCHEMA, Schema.STRING_SCHEMA).build()).build()).build();
        Struct struct = new Struct(schema).put("id", "a")
                .put("attrs", new Struct(schema.field("attrs").schema()).put("weights", Map.of(1.5d, "x")));

        assertThatThrownBy(() -> all().encode(POSITION, struct))
                .isInstanceOf(InvalidRecordException.class)
                .hasMessageContaining("field 'attrs.weights'")
                .hasMessageContaining("metadata map keys must be strings or integers");
        assertThatThrownBy(() -> all().encode(POSITION, Map.of("outer", List.of(byDouble))))
                .hasMessageContaining("field 'outer[0]'")
                .hasMessageContaining("metadata map keys must be strings or integers");
    }

    @Test
    void theEncoderIsReusableAfterAnOversizeRefusal() throws IOException {
        MetadataEncoder encoder = new MetadataEncoder(null, SINK_FIELDS, 100);
        assertThatThrownBy(() -> encoder.encode(POSITION, Map.of("huge", "x".repeat(1 << 20))))
                .isInstanceOf(InvalidRecordException.class).hasMessageContaining("field 'metadata'");

        assertThat(encoder.encode(POSITION, Map.of("lang", "en"))).isEqualTo(expected(g -> {
            g.writeFieldName("lang");
            g.writeString("en");
        }));
    }

    @Test
    void theEncoderIsReusableAfterARefusal() throws IOException {
        MetadataEncoder encoder = all();
        Map<Object, Object> bad = new LinkedHashMap<>();
        bad.put(true, 1L);
        assertThatThrownBy(() -> encoder.encode(POSITION, Map.of("m", bad))).isInstanceOf(InvalidRecordException.class);

        assertThat(encoder.encode(POSITION, Map.of("lang", "en"))).isEqualTo(expected(g -> {
            g.writeFieldName("lang");
            g.writeString("en");
        }));
        assertThat(encoder.encode(POSITION, Map.of("lang", "fr"))).isEqualTo(expected(g -> {
            g.writeFieldName("lang");
            g.writeString("fr");
        }));
    }
}
