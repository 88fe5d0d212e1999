package io.jadevectordb.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.util.HexFormat;
import java.util.List;

import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.Test;

/** The expected metadata bytes, checked against CBOR written out by hand from RFC 8949. */
class ExpectedMetadataTest {

    private static final Schema AUTHOR = SchemaBuilder.record("Author").fields()
            .requiredString("name").optionalString("affiliation").endRecord();
    private static final Schema SCHEMA = SchemaBuilder.record("Doc").fields()
            .requiredString("id")
            .optionalString("title")
            .optionalString("language")
            .optionalInt("year")
            .name("author").type().optional().type(AUTHOR)
            .name("published").type().optional().type(LogicalTypes.timestampMillis().addToSchema(Schema.create(Schema.Type.LONG)))
            .name("day").type().optional().type(LogicalTypes.date().addToSchema(Schema.create(Schema.Type.INT)))
            .name("price").type().optional().type(LogicalTypes.decimal(9, 2).addToSchema(Schema.create(Schema.Type.BYTES)))
            .name("tags").type().optional().array().items().stringType()
            .endRecord();

    private static String hex(byte[] b) {
        return b == null ? null : HexFormat.of().formatHex(b);
    }

    private static GenericRecord doc() {
        GenericRecord r = new GenericData.Record(SCHEMA);
        r.put("id", "doc-1");
        return r;
    }

    @Test
    void writesTheSetFieldsInWriterOrderAsAnIndefiniteMapLeavingOutNullsAndSinkFields() {
        GenericRecord r = doc();
        r.put("year", 2000);
        r.put("title", "hi");
        // BF map(*) 65 "title" 62 "hi" 64 "year" 19 07D0 FF break; "id" and the null language are absent.
        assertThat(hex(ExpectedMetadata.of(r))).isEqualTo("bf" + "657469746c65" + "626869" + "6479656172" + "1907d0" + "ff");
    }

    @Test
    void isNullWhenNoKeptFieldIsSet() {
        assertThat(ExpectedMetadata.of(doc())).isNull();
        GenericRecord r = doc();
        r.put("title", "kept only if asked for");
        assertThat(ExpectedMetadata.of(r, name -> name.equals("language"))).isNull();
    }

    @Test
    void nestedRecordsKeepTheirNullFieldsAsCborNull() {
        GenericRecord author = new GenericData.Record(AUTHOR);
        author.put("name", "a");
        GenericRecord r = doc();
        r.put("author", author);
        // "author": BF "name" "a" "affiliation" F6 (null) FF
        assertThat(hex(ExpectedMetadata.of(r))).isEqualTo("bf" + "66617574686f72" + "bf" + "646e616d65" + "6161"
                + "6b616666696c696174696f6e" + "f6" + "ff" + "ff");
    }

    @Test
    void logicalTypesUseTheirTags() {
        GenericRecord r = doc();
        r.put("published", 1500L);
        // tag 1 (C1), float64 (FB) 1.5 = 3FF8000000000000
        assertThat(hex(ExpectedMetadata.of(r))).isEqualTo("bf" + "697075626c6973686564" + "c1fb3ff8000000000000" + "ff");
        r = doc();
        r.put("day", 19_000);
        // tag 100 (D8 64), 19000 = 19 4A38
        assertThat(hex(ExpectedMetadata.of(r))).isEqualTo("bf" + "63646179" + "d864194a38" + "ff");
        r = doc();
        r.put("price", ByteBuffer.wrap(new BigDecimal("123.45").unscaledValue().toByteArray()));
        // tag 4 (C4), [exponent -2 (21), mantissa 12345 (19 3039)]
        assertThat(hex(ExpectedMetadata.of(r))).isEqualTo("bf" + "657072696365" + "c48221193039" + "ff");
    }

    @Test
    void arraysAreIndefiniteLength() {
        GenericRecord r = doc();
        r.put("tags", List.of("x", "y"));
        assertThat(hex(ExpectedMetadata.of(r))).isEqualTo("bf" + "6474616773" + "9f" + "6178" + "6179" + "ff" + "ff");
    }
}
