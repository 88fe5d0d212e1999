package io.jadevectordb.connect.avro;

import static io.jadevectordb.connect.avro.AvroFixtures.avroBinary;
import static io.jadevectordb.connect.avro.AvroFixtures.contractSchema;
import static io.jadevectordb.connect.avro.AvroFixtures.evolvedSchema;
import static io.jadevectordb.connect.avro.AvroFixtures.fromRawBits;
import static io.jadevectordb.connect.avro.AvroFixtures.littleEndian;
import static io.jadevectordb.connect.avro.AvroFixtures.mutation;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.errors.DataException;
import org.junit.jupiter.api.Test;

/** Decoding Avro binary into the canonical struct, against writer schemas as producers have them. */
class VectorMutationReaderTest {

    private static final String WHERE = "topic vectors, schema id 7";

    private static Struct decode(Schema writer, GenericRecord record) {
        byte[] avro = avroBinary(writer, record);
        return VectorMutationReader.forWriter("vectors", 7, writer, List.of("id")).read("vectors", avro, 0, avro.length);
    }

    @Test
    void decodesDimensionOneVectorIntoLittleEndianBytes() {
        Schema s = contractSchema();
        Struct v = decode(s, mutation(s, "articles", "doc-1", "STORE", new float[] {1.5f}, null));

        assertThat(v.getString("database")).isEqualTo("articles");
        assertThat(v.getString("id")).isEqualTo("doc-1");
        assertThat(v.getString("op")).isEqualTo("STORE");
        assertThat(v.getBytes("vector_bytes")).containsExactly(littleEndian(new float[] {1.5f}));
        assertThat(v.get("vector")).isNull();
    }

    @Test
    void decodesDimension4096VectorBitExact() {
        long seed = new Random().nextLong();
        Random random = new Random(seed);
        float[] vector = new float[4096];
        for (int i = 0; i < vector.length; i++) {
            vector[i] = Float.intBitsToFloat(random.nextInt());
        }
        Schema s = contractSchema();
        Struct v = decode(s, mutation(s, null, "doc-4096", "UPDATE", vector, null));

        assertThat(v.getBytes("vector_bytes")).as("random raw float bits, seed %d", seed)
                .containsExactly(littleEndian(vector));
        assertThat(v.getString("op")).isEqualTo("UPDATE");
        assertThat(v.getString("database")).isNull();
    }

    @Test
    void preservesNaNPayloadsSignedZeroInfinitiesAndSubnormalsBitExact() {
        float[] specials = fromRawBits(0x7fc00000, 0x7fc00001, 0xffc12345, 0x7fbfffff, 0x7f800001,
                0x80000000, 0x00000000, 0x7f800000, 0xff800000, 0x00000001, 0x807fffff);
        Schema s = contractSchema();
        Struct v = decode(s, mutation(s, "db", "nan", "STORE", specials, null));

        assertThat(v.getBytes("vector_bytes")).containsExactly(littleEndian(specials));
    }

    @Test
    void readsNullableUnionsWhicheverSideNullIsOn() {
        Schema nullLast = new Schema.Parser().parse("""
                {"type":"record","name":"M","fields":[
                  {"name":"database","type":["string","null"]},
                  {"name":"id","type":["string","null"]},
                  {"name":"op","type":["string","null"]},
                  {"name":"vector","type":[{"type":"array","items":"float"},"null"]},
                  {"name":"vector_bytes","type":["bytes","null"]}]}""");
        Schema nullFirst = new Schema.Parser().parse(nullLast.toString()
                .replace("[\"string\",\"null\"]", "[\"null\",\"string\"]")
                .replace("[\"bytes\",\"null\"]", "[\"null\",\"bytes\"]")
                .replace("[{\"type\":\"array\",\"items\":\"float\"},\"null\"]", "[\"null\",{\"type\":\"array\",\"items\":\"float\"}]"));
        assertThat(nullFirst.getField("id").schema().getTypes().get(0).getType()).isEqualTo(Schema.Type.NULL);

        for (Schema s : List.of(nullLast, nullFirst)) {
            Struct stored = decode(s, mutation(s, "db", "a", "STORE", new float[] {1f, -2f}, null));
            Struct deleted = decode(s, mutation(s, null, "a", "DELETE", null, null));

            assertThat(stored.getString("database")).as(s.toString()).isEqualTo("db");
            assertThat(stored.getBytes("vector_bytes")).as(s.toString()).containsExactly(littleEndian(new float[] {1f, -2f}));
            assertThat(deleted.getString("database")).as(s.toString()).isNull();
            assertThat(deleted.getString("op")).as(s.toString()).isEqualTo("DELETE");
            assertThat(deleted.get("vector_bytes")).as(s.toString()).isNull();
        }
    }

    @Test
    void skipsFieldsOutsideTheContractInAnyPositionAndFollowsWriterFieldOrder() {
        Schema s = evolvedSchema();
        GenericRecord r = mutation(s, "articles", "doc-9", "UPDATE", new float[] {0.25f, 4f, -1e-3f}, null);
        r.put("tenant", "acme");
        r.put("tags", Map.of("lang", "en", "src", "crawler"));
        Schema origin = s.getField("origin").schema().getTypes().get(1);
        GenericRecord o = new GenericData.Record(origin);
        o.put("host", "h1");
        o.put("digest", new GenericData.Fixed(origin.getField("digest").schema(), new byte[16]));
        r.put("origin", o);
        r.put("scores", List.of(0.5, 0.75));

        Struct v = decode(s, r);

        assertThat(v.getString("database")).isEqualTo("articles");
        assertThat(v.getString("id")).isEqualTo("doc-9");
        assertThat(v.getString("op")).isEqualTo("UPDATE");
        assertThat(v.getBytes("vector_bytes")).containsExactly(littleEndian(new float[] {0.25f, 4f, -1e-3f}));
    }

    /**
     * Issue 18: the reader fills its structs without Struct.put's per-call validation
     * (StructFiller.DIRECT). Each must equal the struct put would have built, field by field,
     * and pass Connect's validation whole: ids, ops, both vector forms, metadata, a DELETE
     * without a vector, a writer without op or database.
     */
    @Test
    void structsFilledDirectlyAreTheValidatedOnesPutWouldBuild() {
        assertThat(StructFiller.best()).as("this Kafka's Struct lets the reader fill it directly").isEqualTo(StructFiller.DIRECT);
        Schema evolved = evolvedSchema();
        GenericRecord rich = mutation(evolved, "articles", "doc-9", "UPDATE", new float[] {0.25f, 4f, -1e-3f}, null);
        rich.put("tenant", "acme");
        rich.put("tags", Map.of("lang", "en"));
        rich.put("scores", List.of(0.5, 0.75));
        Schema slim = new Schema.Parser().parse("""
                {"type":"record","name":"Slim","fields":[{"name":"id","type":"long"},
                  {"name":"vector_bytes","type":"bytes"}]}""");
        GenericRecord slimRecord = new GenericData.Record(slim);
        slimRecord.put("id", 42L);
        slimRecord.put("vector_bytes", ByteBuffer.wrap(littleEndian(new float[] {1f, 2f})));
        Schema contract = contractSchema();
        List<Map.Entry<Schema, GenericRecord>> cases = List.of(
                Map.entry(evolved, rich),
                Map.entry(contract, mutation(contract, "articles", "doc-1", "STORE", new float[] {1.5f, Float.NaN}, null)),
                Map.entry(contract, mutation(contract, "articles", "doc-2", "STORE", null, littleEndian(new float[] {3f}))),
                Map.entry(contract, mutation(contract, "articles", "doc-3", "DELETE", null, null)),
                Map.entry(slim, slimRecord));
        for (Map.Entry<Schema, GenericRecord> c : cases) {
            byte[] avro = avroBinary(c.getKey(), c.getValue());
            VectorMutationReader direct = VectorMutationReader.forWriter("vectors", 7, c.getKey(), List.of("id"));
            Struct filled = direct.read("vectors", avro, 0, avro.length);
            Struct put = direct.withStructFiller(StructFiller.PUT).read("vectors", avro, 0, avro.length);
            filled.validate();
            assertThat(filled).as(c.getValue().toString()).isEqualTo(put);
        }
    }

    @Test
    void opSymbolUnknownToTheSinkIsDeliveredAsWrittenForTheRecordMapperToReject() {
        Schema s = new Schema.Parser().parse(contractSchema().toString()
                .replace("[\"STORE\",\"UPDATE\",\"DELETE\"]", "[\"STORE\",\"UPDATE\",\"DELETE\",\"UPSERT\"]"));
        assertThat(s.getField("op").schema().getEnumSymbols()).contains("UPSERT");

        Struct v = decode(s, mutation(s, "db", "u", "UPSERT", new float[] {1f}, null));

        assertThat(v.getString("op")).isEqualTo("UPSERT");
    }

    @Test
    void passesVectorBytesThroughUnchanged() {
        byte[] packed = littleEndian(new float[] {3f, Float.NaN, -0f});
        Schema s = contractSchema();
        Struct v = decode(s, mutation(s, "db", "b", "STORE", null, packed));

        assertThat(v.getBytes("vector_bytes")).containsExactly(packed);
    }

    @Test
    void writerWithoutOpOrDatabaseLeavesThemNull() {
        Schema s = new Schema.Parser().parse("""
                {"type":"record","name":"Slim","fields":[{"name":"id","type":"string"},
                 {"name":"vector","type":{"type":"array","items":"float"}}]}""");
        GenericRecord r = new GenericData.Record(s);
        r.put("id", "x");
        r.put("vector", AvroFixtures.boxed(new float[] {7f}));

        Struct v = decode(s, r);

        assertThat(v.getString("op")).isNull();
        assertThat(v.getString("database")).isNull();
        assertThat(v.getBytes("vector_bytes")).containsExactly(littleEndian(new float[] {7f}));
    }

    @Test
    void truncatedPayloadIsDataExceptionNamingTheField() {
        Schema s = contractSchema();
        byte[] avro = avroBinary(s, mutation(s, "db", "t", "STORE", new float[] {1f, 2f, 3f, 4f}, null));
        VectorMutationReader reader = VectorMutationReader.forWriter("vectors", 7, s, List.of("id"));

        assertThatThrownBy(() -> reader.read("vectors", avro, 0, avro.length - 9))
                .isInstanceOf(DataException.class)
                .hasMessageContaining(WHERE)
                .hasMessageContaining("field 'vector'")
                .hasMessageContaining("truncated");
    }

    @Test
    void hostileArrayLengthIsRejectedBeforeAllocating() {
        Schema s = new Schema.Parser().parse("""
                {"type":"record","name":"V","fields":[{"name":"vector","type":{"type":"array","items":"float"}}]}""");
        // A block count of 2^20 floats (zig-zag varint 0x80 0x80 0x80 0x01) in an 8-byte payload,
        // then a count of 2^40, which Avro itself refuses.
        byte[] million = {(byte) 0x80, (byte) 0x80, (byte) 0x80, 0x01, 0, 0, 0, 0};
        byte[] trillion = {(byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, 0x40};
        VectorMutationReader reader = VectorMutationReader.forWriter("vectors", 7, s, List.of());

        assertThatThrownBy(() -> reader.read("vectors", million, 0, million.length))
                .isInstanceOf(DataException.class)
                .hasMessageContaining("field 'vector' claims 1048576 more items");
        assertThatThrownBy(() -> reader.read("vectors", trillion, 0, trillion.length))
                .isInstanceOf(DataException.class)
                .hasMessageContaining("field 'vector'");
    }

    @Test
    void trailingBytesMeanTheSchemaIdIsWrong() {
        Schema s = contractSchema();
        byte[] avro = avroBinary(s, mutation(s, "db", "t", "DELETE", null, null));
        byte[] padded = Arrays.copyOf(avro, avro.length + 3);
        VectorMutationReader reader = VectorMutationReader.forWriter("vectors", 7, s, List.of("id"));

        assertThatThrownBy(() -> reader.read("vectors", padded, 0, padded.length))
                .isInstanceOf(DataException.class)
                .hasMessageContaining("3 bytes left over")
                .hasMessageContaining(WHERE);
    }

    @Test
    void settingBothVectorFieldsIsRejected() {
        Schema s = contractSchema();
        GenericRecord r = mutation(s, "db", "two", "STORE", new float[] {1f}, littleEndian(new float[] {1f}));

        assertThatThrownBy(() -> decode(s, r))
                .isInstanceOf(DataException.class)
                .hasMessageContaining("both 'vector' and 'vector_bytes'");
    }

    @Test
    void writerSchemaWithoutRequiredFieldIsRejectedNamingFieldAndFix() {
        Schema s = new Schema.Parser().parse("""
                {"type":"record","name":"NoId","fields":[{"name":"vector","type":{"type":"array","items":"float"}}]}""");

        assertThatThrownBy(() -> VectorMutationReader.forWriter("vectors", 7, s, List.of("id")))
                .isInstanceOf(DataException.class)
                .hasMessageContaining(WHERE)
                .hasMessageContaining("no field 'id'")
                .hasMessageContaining("required.fields");
    }

    @Test
    void doubleVectorIsRejectedNamingFieldAndExpectedType() {
        Schema s = new Schema.Parser().parse("""
                {"type":"record","name":"D","fields":[{"name":"id","type":"string"},
                 {"name":"vector","type":{"type":"array","items":"double"}}]}""");

        assertThatThrownBy(() -> VectorMutationReader.forWriter("vectors", 7, s, List.of("id")))
                .isInstanceOf(DataException.class)
                .hasMessageContaining("field 'vector'")
                .hasMessageContaining("float32, not double");
    }

    @Test
    void nonRecordSchemaIsRejected() {
        Schema s = Schema.create(Schema.Type.BYTES);

        assertThatThrownBy(() -> VectorMutationReader.forWriter("vectors", 7, s, List.of()))
                .isInstanceOf(DataException.class)
                .hasMessageContaining("not a record");
    }

    @Test
    void readerSchemaIsTheWriterProjectedOntoTheContract() {
        VectorMutationReader reader = VectorMutationReader.forWriter("vectors", 7, evolvedSchema(), List.of("id"));

        assertThat(reader.readerSchema().getFields()).extracting(Schema.Field::name)
                .containsExactlyElementsOf(VectorMutationSchema.FIELDS);
    }

    @Test
    void readsIntAndLongIdsAsTheirDecimalStringAsTheRecordMapperDoes() {
        for (String type : List.of("\"int\"", "\"long\"", "[\"null\",\"long\"]")) {
            Schema s = new Schema.Parser().parse("""
                    {"type":"record","name":"M","fields":[
                      {"name":"id","type":%s},
                      {"name":"vector","type":{"type":"array","items":"float"}}]}""".formatted(type));
            GenericRecord record = new GenericData.Record(s);
            record.put("id", type.equals("\"int\"") ? (Object) (-42) : (Object) 9_007_199_254_740_993L);
            record.put("vector", List.of(1.0f));

            Struct v = decode(s, record);

            assertThat(v.getString("id")).as(type).isEqualTo(type.equals("\"int\"") ? "-42" : "9007199254740993");
        }
    }
}
