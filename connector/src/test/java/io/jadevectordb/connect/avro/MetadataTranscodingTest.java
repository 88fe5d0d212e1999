package io.jadevectordb.connect.avro;

import static io.jadevectordb.connect.avro.AvroFixtures.avroBinary;
import static io.jadevectordb.connect.avro.AvroFixtures.littleEndian;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.dataformat.cbor.CBORFactory;
import com.fasterxml.jackson.dataformat.cbor.CBORGenerator;
import org.apache.avro.Conversions;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.errors.DataException;
import org.junit.jupiter.api.Test;

/**
 * The fast path's metadata, byte for byte: every Avro type and logical type against CBOR written
 * independently here with Jackson's generator, exactly as the contract (docs/schemas.md) spells
 * it out, so a transcoder that picks another encoding (a definite-length map, an int where a long
 * is due, a missing tag) fails even where both would decode to the same JSON.
 */
class MetadataTranscodingTest {

    private static final CBORFactory CBOR = new CBORFactory();

    /** Writes the expected document with Jackson, as the contract spells it out. */
    private interface Expected {
        void write(CBORGenerator gen) throws IOException;
    }

    private static byte[] cbor(Expected expected) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            try (CBORGenerator gen = CBOR.createGenerator(out)) {
                expected.write(gen);
            }
            return out.toByteArray();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    /** A writer schema: id, vector, then the given field declarations (JSON), in that order. */
    private static Schema writer(String fields) {
        return new Schema.Parser().parse("""
                {"type":"record","name":"Doc","namespace":"test","fields":[
                  {"name":"id","type":"string"},
                  {"name":"vector","type":{"type":"array","items":"float"}},
                  %s]}""".formatted(fields));
    }

    private static GenericRecord record(Schema schema, Map<String, Object> metadata) {
        GenericRecord r = new GenericData.Record(schema);
        r.put("id", "doc");
        r.put("vector", AvroFixtures.boxed(new float[] {1f, -2f}));
        metadata.forEach(r::put);
        return r;
    }

    private static Struct decode(Schema schema, GenericRecord record, MetadataFields fields, int maxBytes) {
        byte[] avro = avroBinary(schema, record);
        return VectorMutationReader.forWriter("vectors", 7, schema, List.of("id"), fields, maxBytes)
                .read("vectors", avro, 0, avro.length);
    }

    private static byte[] metadataOf(Schema schema, GenericRecord record) {
        Struct value = decode(schema, record, MetadataFields.ALL, 65536);
        assertThat(value.getBytes("vector_bytes")).as("the vector beside the metadata")
                .containsExactly(littleEndian(new float[] {1f, -2f}));
        return FastPathValue.metadata(value);
    }

    private static void assertCbor(byte[] actual, byte[] expected) {
        assertThat(actual).as("CBOR %s, expected %s", hex(actual), hex(expected)).containsExactly(expected);
    }

    private static String hex(byte[] b) {
        return b == null ? "null" : HexFormat.of().formatHex(b);
    }

    @Test
    void primitiveTypesBecomeTheirCborCounterparts() {
        Schema s = writer("""
                {"name":"flag","type":"boolean"},{"name":"small","type":"int"},{"name":"negative","type":"int"},
                {"name":"big","type":"long"},{"name":"ratio","type":"float"},{"name":"nan","type":"float"},
                {"name":"score","type":"double"},{"name":"inf","type":"double"},{"name":"raw","type":"bytes"},
                {"name":"title","type":"string"},{"name":"lang","type":{"type":"enum","name":"Lang","symbols":["EN","FR"]}},
                {"name":"digest","type":{"type":"fixed","name":"Md5","size":4}}""");
        float nanWithPayload = Float.intBitsToFloat(0x7fc00123);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("flag", true);
        m.put("small", 23);
        m.put("negative", Integer.MIN_VALUE);
        m.put("big", Long.MAX_VALUE);
        m.put("ratio", 0.1f);
        m.put("nan", nanWithPayload);
        m.put("score", -2.5e300);
        m.put("inf", Double.NEGATIVE_INFINITY);
        m.put("raw", ByteBuffer.wrap(new byte[] {0, 1, (byte) 0xff}));
        m.put("title", "Grüße, 世界 🌍");
        m.put("lang", new GenericData.EnumSymbol(s.getField("lang").schema(), "FR"));
        m.put("digest", new GenericData.Fixed(s.getField("digest").schema(), new byte[] {9, 8, 7, 6}));

        byte[] expected = cbor(gen -> {
            gen.writeStartObject();
            gen.writeFieldName("flag");
            gen.writeBoolean(true);
            gen.writeFieldName("small");
            gen.writeNumber(23L);
            gen.writeFieldName("negative");
            gen.writeNumber((long) Integer.MIN_VALUE);
            gen.writeFieldName("big");
            gen.writeNumber(Long.MAX_VALUE);
            gen.writeFieldName("ratio");
            gen.writeNumber(0.1f);
            gen.writeFieldName("nan");
            gen.writeNumber(nanWithPayload);
            gen.writeFieldName("score");
            gen.writeNumber(-2.5e300);
            gen.writeFieldName("inf");
            gen.writeNumber(Double.NEGATIVE_INFINITY);
            gen.writeFieldName("raw");
            gen.writeBinary(new byte[] {0, 1, (byte) 0xff});
            gen.writeFieldName("title");
            gen.writeString("Grüße, 世界 🌍");
            gen.writeFieldName("lang");
            gen.writeString("FR");
            gen.writeFieldName("digest");
            gen.writeBinary(new byte[] {9, 8, 7, 6});
            gen.writeEndObject();
        });

        byte[] actual = metadataOf(s, record(s, m));

        assertCbor(actual, expected);
        assertThat(hex(actual)).as("an indefinite-length map, 23 as a one-byte int, the NaN payload as float32")
                .startsWith("bf").contains("17").contains("fa7fc00123").endsWith("ff");
    }

    @Test
    void longStringsAreWrittenAsJacksonWritesTheSameString() {
        String longTitle = "0123456789".repeat(2_000);
        Schema s = writer("{\"name\":\"title\",\"type\":\"string\"}");

        assertCbor(metadataOf(s, record(s, Map.of("title", longTitle))), cbor(gen -> {
            gen.writeStartObject();
            gen.writeFieldName("title");
            gen.writeString(longTitle);
            gen.writeEndObject();
        }));
    }

    @Test
    void arraysMapsAndNestedRecordsNestWithNullsKeptInside() {
        Schema s = writer("""
                {"name":"tags","type":{"type":"array","items":["null","string"]}},
                {"name":"counts","type":{"type":"map","values":"long"}},
                {"name":"author","type":{"type":"record","name":"Author","fields":[
                   {"name":"name","type":"string"},{"name":"email","type":["null","string"],"default":null},
                   {"name":"scores","type":{"type":"array","items":"double"}}]}},
                {"name":"empty","type":{"type":"array","items":"int"}}""");
        Schema author = s.getField("author").schema();
        GenericRecord a = new GenericData.Record(author);
        a.put("name", "Ada");
        a.put("email", null);
        a.put("scores", List.of(1.5, -0.0));
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("tags", Arrays.asList("ai", null, "db"));
        Map<String, Long> counts = new LinkedHashMap<>();
        counts.put("views", 1_000_000L);
        counts.put("likes", -1L);
        m.put("counts", counts);
        m.put("author", a);
        m.put("empty", List.of());

        byte[] expected = cbor(gen -> {
            gen.writeStartObject();
            gen.writeFieldName("tags");
            gen.writeStartArray();
            gen.writeString("ai");
            gen.writeNull();
            gen.writeString("db");
            gen.writeEndArray();
            gen.writeFieldName("counts");
            gen.writeStartObject();
            gen.writeFieldName("views");
            gen.writeNumber(1_000_000L);
            gen.writeFieldName("likes");
            gen.writeNumber(-1L);
            gen.writeEndObject();
            gen.writeFieldName("author");
            gen.writeStartObject();
            gen.writeFieldName("name");
            gen.writeString("Ada");
            gen.writeFieldName("email");
            gen.writeNull();
            gen.writeFieldName("scores");
            gen.writeStartArray();
            gen.writeNumber(1.5);
            gen.writeNumber(-0.0);
            gen.writeEndArray();
            gen.writeEndObject();
            gen.writeFieldName("empty");
            gen.writeStartArray();
            gen.writeEndArray();
            gen.writeEndObject();
        });

        assertCbor(metadataOf(s, record(s, m)), expected);
    }

    @Test
    void logicalTypesFollowTheDocumentedMapping() {
        Schema s = writer("""
                {"name":"published","type":{"type":"long","logicalType":"timestamp-millis"}},
                {"name":"edited","type":{"type":"long","logicalType":"timestamp-micros"}},
                {"name":"localMillis","type":{"type":"long","logicalType":"local-timestamp-millis"}},
                {"name":"localMicros","type":{"type":"long","logicalType":"local-timestamp-micros"}},
                {"name":"day","type":{"type":"int","logicalType":"date"}},
                {"name":"timeMillis","type":{"type":"int","logicalType":"time-millis"}},
                {"name":"timeMicros","type":{"type":"long","logicalType":"time-micros"}},
                {"name":"price","type":{"type":"bytes","logicalType":"decimal","precision":9,"scale":2}},
                {"name":"weight","type":{"type":"fixed","name":"W","size":8,"logicalType":"decimal","precision":18,"scale":4}},
                {"name":"big","type":{"type":"bytes","logicalType":"decimal","precision":40,"scale":0}},
                {"name":"ref","type":{"type":"string","logicalType":"uuid"}}""");
        Conversions.DecimalConversion decimals = new Conversions.DecimalConversion();
        Schema priceType = s.getField("price").schema();
        Schema weightType = s.getField("weight").schema();
        Schema bigType = s.getField("big").schema();
        BigDecimal price = new BigDecimal("-1234.56");
        BigDecimal weight = new BigDecimal("0.0042");
        BigDecimal big = new BigDecimal("123456789012345678901234567890123456789");
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("published", 1_700_000_000_123L);
        m.put("edited", -1_234_567L);
        m.put("localMillis", 1_700_000_000_123L);
        m.put("localMicros", 1_700_000_000_123_456L);
        m.put("day", 19_675);
        m.put("timeMillis", 45_296_789);
        m.put("timeMicros", 45_296_789_012L);
        m.put("price", decimals.toBytes(price, priceType, LogicalTypes.fromSchema(priceType)));
        m.put("weight", decimals.toFixed(weight, weightType, LogicalTypes.fromSchema(weightType)));
        m.put("big", decimals.toBytes(big, bigType, LogicalTypes.fromSchema(bigType)));
        m.put("ref", "0f8fad5b-d9cb-469f-a165-70867728950e");

        byte[] expected = cbor(gen -> {
            gen.writeStartObject();
            gen.writeFieldName("published");
            gen.writeTag(1);
            gen.writeNumber(1_700_000_000.123);
            gen.writeFieldName("edited");
            gen.writeTag(1);
            gen.writeNumber(-1.234567);
            gen.writeFieldName("localMillis");
            gen.writeNumber(1_700_000_000_123L);
            gen.writeFieldName("localMicros");
            gen.writeNumber(1_700_000_000_123_456L);
            gen.writeFieldName("day");
            gen.writeTag(100);
            gen.writeNumber(19_675L);
            gen.writeFieldName("timeMillis");
            gen.writeNumber(45_296_789L);
            gen.writeFieldName("timeMicros");
            gen.writeNumber(45_296_789_012L);
            gen.writeFieldName("price");
            gen.writeNumber(price);
            gen.writeFieldName("weight");
            gen.writeNumber(weight);
            gen.writeFieldName("big");
            gen.writeNumber(big);
            gen.writeFieldName("ref");
            gen.writeString("0f8fad5b-d9cb-469f-a165-70867728950e");
            gen.writeEndObject();
        });

        byte[] actual = metadataOf(s, record(s, m));

        assertCbor(actual, expected);
        assertThat(hex(actual)).as("tag 1 + float64, tag 100 (d8 64), tag 4 decimal fraction [-2, -123456]")
                .contains("c1fb").contains("d86419").contains("c48221");
    }

    @Test
    void nullTopLevelFieldsAreOmittedAndAllNullMeansNoMetadata() {
        Schema s = writer("""
                {"name":"title","type":["null","string"],"default":null},
                {"name":"nothing","type":"null"},
                {"name":"lang","type":["string","null"]}""");

        Map<String, Object> m = new LinkedHashMap<>();
        m.put("title", null);
        m.put("lang", "en");
        assertCbor(metadataOf(s, record(s, m)), cbor(gen -> {
            gen.writeStartObject();
            gen.writeFieldName("lang");
            gen.writeString("en");
            gen.writeEndObject();
        }));

        m.put("lang", null);
        assertThat(metadataOf(s, record(s, m))).as("no non-null field: no document, not an empty map").isNull();
    }

    @Test
    void unionsWriteTheBranchTheWriterChoseAtEveryLevel() {
        Schema s = writer("""
                {"name":"either","type":["null","int","string"]},
                {"name":"other","type":["null","int","string"]},
                {"name":"inner","type":{"type":"record","name":"Inner","fields":[
                   {"name":"maybe","type":["null",{"type":"long","logicalType":"timestamp-millis"}]},
                   {"name":"choice","type":["boolean","double"]}]}}""");
        GenericRecord inner = new GenericData.Record(s.getField("inner").schema());
        inner.put("maybe", null);
        inner.put("choice", 0.25);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("either", 7);
        m.put("other", "seven");
        m.put("inner", inner);

        assertCbor(metadataOf(s, record(s, m)), cbor(gen -> {
            gen.writeStartObject();
            gen.writeFieldName("either");
            gen.writeNumber(7L);
            gen.writeFieldName("other");
            gen.writeString("seven");
            gen.writeFieldName("inner");
            gen.writeStartObject();
            gen.writeFieldName("maybe");
            gen.writeNull();
            gen.writeFieldName("choice");
            gen.writeNumber(0.25);
            gen.writeEndObject();
            gen.writeEndObject();
        }));
    }

    @Test
    void metadataFieldsInterleavedWithTheCanonicalOnesKeepWriterOrder() {
        Schema s = new Schema.Parser().parse("""
                {"type":"record","name":"Mixed","fields":[
                  {"name":"zeta","type":"int"},{"name":"id","type":"string"},{"name":"alpha","type":"string"},
                  {"name":"vector_bytes","type":["null","bytes"]},{"name":"mid","type":"boolean"},
                  {"name":"op","type":"string"},{"name":"database","type":["null","string"]}]}""");
        GenericRecord r = new GenericData.Record(s);
        r.put("zeta", 1);
        r.put("id", "x");
        r.put("alpha", "a");
        r.put("vector_bytes", ByteBuffer.wrap(littleEndian(new float[] {3f})));
        r.put("mid", false);
        r.put("op", "UPDATE");
        r.put("database", "db");

        Struct v = decode(s, r, MetadataFields.ALL, 65536);

        assertThat(v.getString("id")).isEqualTo("x");
        assertThat(v.getString("op")).isEqualTo("UPDATE");
        assertThat(v.getString("database")).isEqualTo("db");
        assertThat(v.getBytes("vector_bytes")).containsExactly(littleEndian(new float[] {3f}));
        assertCbor(FastPathValue.metadata(v), cbor(gen -> {
            gen.writeStartObject();
            gen.writeFieldName("zeta");
            gen.writeNumber(1L);
            gen.writeFieldName("alpha");
            gen.writeString("a");
            gen.writeFieldName("mid");
            gen.writeBoolean(false);
            gen.writeEndObject();
        }));
    }

    @Test
    void metadataFieldsListKeepsOnlyTheNamedFieldsInWriterOrderAndNoneKeepsNothing() {
        Schema s = writer("""
                {"name":"a","type":"string"},{"name":"b","type":"string"},{"name":"c","type":"string"}""");
        GenericRecord r = record(s, Map.of("a", "1", "b", "2", "c", "3"));

        Struct listed = decode(s, r, MetadataFields.of(List.of("c", "a", "missing")), 65536);
        Struct none = decode(s, r, MetadataFields.NONE, 65536);

        assertCbor(FastPathValue.metadata(listed), cbor(gen -> {
            gen.writeStartObject();
            gen.writeFieldName("a");
            gen.writeString("1");
            gen.writeFieldName("c");
            gen.writeString("3");
            gen.writeEndObject();
        }));
        assertThat(FastPathValue.metadata(none)).isNull();
        assertThat(none.getBytes("vector_bytes")).containsExactly(littleEndian(new float[] {1f, -2f}));
        assertThat(MetadataFields.of(List.of("all")).keeps("id")).as("canonical fields are never metadata").isFalse();
        assertThat(new MetadataFields(false, Set.of("vector")).keeps("vector")).isFalse();
    }

    @Test
    void aDocumentOverTheBoundIsRefusedNamingSizeLimitAndFixNotTruncated() {
        Schema s = writer("{\"name\":\"body\",\"type\":\"string\"}");
        String body = "x".repeat(300);
        int size = cbor(gen -> {
            gen.writeStartObject();
            gen.writeFieldName("body");
            gen.writeString(body);
            gen.writeEndObject();
        }).length;
        GenericRecord r = record(s, Map.of("body", body));

        assertThat(FastPathValue.metadata(decode(s, r, MetadataFields.ALL, size))).hasSize(size);
        assertThatThrownBy(() -> decode(s, r, MetadataFields.ALL, size - 1))
                .isInstanceOf(DataException.class)
                .hasMessageContaining("topic vectors, schema id 7")
                .hasMessageContaining("metadata is " + size + " bytes")
                .hasMessageContaining("limit of " + (size - 1))
                .hasMessageContaining("metadata.max.bytes")
                .hasMessageContaining("metadata.fields");
    }

    /** id, vector, then a field {@code child} of a recursive record type {@code Node} nested {@code levels} deep. */
    private static GenericRecord nested(Schema s, int levels) {
        Schema node = s.getField("child").schema().getTypes().get(1);
        GenericRecord inner = null;
        for (int i = 0; i < levels; i++) {
            GenericRecord n = new GenericData.Record(node);
            n.put("child", inner);
            inner = n;
        }
        return record(s, Map.of("child", inner));
    }

    @Test
    void metadataNestsUpToSixtyFourLevelsWithTheDocumentAndNoDeeper() {
        Schema s = writer("""
                {"name":"child","type":["null",{"type":"record","name":"Node","fields":[
                   {"name":"child","type":["null","Node"],"default":null}]}],"default":null}""");
        int allowed = MetadataTranscoder.MAX_DEPTH - 1; // the document's own map is the first level

        byte[] deepest = metadataOf(s, nested(s, allowed));

        assertCbor(deepest, cbor(gen -> {
            gen.writeStartObject();
            gen.writeFieldName("child");
            for (int i = 0; i < allowed; i++) {
                gen.writeStartObject();
                gen.writeFieldName("child");
            }
            gen.writeNull();
            for (int i = 0; i < allowed; i++) {
                gen.writeEndObject();
            }
            gen.writeEndObject();
        }));
        assertThatThrownBy(() -> metadataOf(s, nested(s, allowed + 1)))
                .isInstanceOf(DataException.class)
                .hasMessageContaining("nests deeper than 64 levels of metadata; send metadata nested less deeply")
                .hasMessageContaining("field 'child.child");
    }

    @Test
    void aDecimalOfNoBytesIsRefusedNamingTheField() {
        Schema s = writer("{\"name\":\"price\",\"type\":{\"type\":\"bytes\",\"logicalType\":\"decimal\",\"precision\":9,\"scale\":2}}");

        assertThatThrownBy(() -> metadataOf(s, record(s, Map.of("price", ByteBuffer.allocate(0)))))
                .isInstanceOf(DataException.class)
                .hasMessageContaining("field 'price' is a decimal of 0 bytes");
    }
}
