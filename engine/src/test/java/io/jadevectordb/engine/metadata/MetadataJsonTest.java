package io.jadevectordb.engine.metadata;

import static io.jadevectordb.engine.metadata.CborDocs.hex;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.StringWriter;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Instant;
import java.time.LocalDate;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import org.junit.jupiter.api.Test;

/** CBOR metadata as JSON: every type the connector writes, what other writers may send, and malformed documents. */
class MetadataJsonTest {

    @Test
    void rendersEveryTypeTheConnectorWritesInItsFieldOrder() {
        byte[] doc = CborDocs.map(g -> {
            g.writeStringField("title", "Caf\u00e9 \"quoted\"\n");
            g.writeFieldName("year");
            g.writeNumber(2024L);
            g.writeFieldName("neg");
            g.writeNumber(-1L);
            g.writeFieldName("big");
            g.writeNumber(Long.MIN_VALUE);
            g.writeFieldName("ok");
            g.writeBoolean(true);
            g.writeFieldName("f32");
            g.writeNumber(0.1f);
            g.writeFieldName("f64");
            g.writeNumber(0.1);
            g.writeFieldName("raw");
            g.writeBinary(new byte[] {0, 1, 2, (byte) 0xff}, 0, 4);
            g.writeFieldName("tags");
            g.writeStartArray();
            g.writeString("a");
            g.writeNull();
            g.writeNumber(3L);
            g.writeEndArray();
            g.writeFieldName("author");
            g.writeStartObject();
            g.writeStringField("name", "Ada");
            g.writeFieldName("born");
            g.writeNull();
            g.writeEndObject();
            g.writeFieldName("counts");
            g.writeStartObject();
            g.writeFieldId(7);
            g.writeNumber(70L);
            g.writeEndObject();
            g.writeFieldName("at");
            CborDocs.timestamp(g, 1_700_000_000_123L);
            g.writeFieldName("day");
            CborDocs.date(g, 19_737);
            g.writeFieldName("price");
            g.writeNumber(new BigDecimal("12.340"));
            g.writeFieldName("huge");
            g.writeNumber(new BigInteger("123456789012345678901234567890"));
        });

        assertThat(MetadataJson.render(doc)).isEqualTo("{\"title\":\"Caf\u00e9 \\\"quoted\\\"\\n\",\"year\":2024,\"neg\":-1,"
                + "\"big\":-9223372036854775808,\"ok\":true,\"f32\":0.1,\"f64\":0.1,\"raw\":\"AAEC/w==\",\"tags\":[\"a\",null,3],"
                + "\"author\":{\"name\":\"Ada\",\"born\":null},\"counts\":{\"7\":70},\"at\":\"2023-11-14T22:13:20.123Z\","
                + "\"day\":\"2024-01-15\",\"price\":12.340,\"huge\":123456789012345678901234567890}");
    }

    @Test
    void nonFiniteFloatsBecomeStrings() {
        byte[] doc = CborDocs.raw(g -> {
            g.writeStartArray();
            g.writeNumber(Float.NaN);
            g.writeNumber(Double.POSITIVE_INFINITY);
            g.writeNumber(Float.NEGATIVE_INFINITY);
            g.writeNumber(-0.0);
            g.writeEndArray();
        });
        assertThat(MetadataJson.render(doc)).isEqualTo("[\"NaN\",\"Infinity\",\"-Infinity\",-0.0]");
        // Half precision (RFC 8949 appendix A), which Jackson never writes but another writer may.
        assertThat(MetadataJson.render(hex("83 f9 3c00 f9 7c00 f9 7e00"))).isEqualTo("[1.0,\"Infinity\",\"NaN\"]");
    }

    @Test
    void chunkedStringsAreJoined() {
        String longText = "x".repeat(5000) + "\u00e9";
        byte[] doc = CborDocs.strings("long", longText);
        // Jackson writes a text this long in chunks: 0x7f, then definite-length pieces, then 0xff.
        assertThat(doc[6]).isEqualTo((byte) 0x7f);
        assertThat(MetadataJson.render(doc)).isEqualTo("{\"long\":\"" + longText + "\"}");
        // RFC 8949 appendix A: (_ h'0102', h'030405') and (_ "strea", "ming").
        assertThat(MetadataJson.render(hex("5f 42 0102 43 030405 ff"))).isEqualTo("\"AQIDBAU=\"");
        assertThat(MetadataJson.render(hex("7f 65 7374726561 64 6d696e67 ff"))).isEqualTo("\"streaming\"");
    }

    @Test
    void definiteAndIndefiniteLengthsRenderAlike() {
        // {"a": 1, "b": [2, 3]} with definite lengths (RFC 8949 appendix A) and indefinite ones.
        assertThat(MetadataJson.render(hex("a2 6161 01 6162 82 02 03"))).isEqualTo("{\"a\":1,\"b\":[2,3]}");
        assertThat(MetadataJson.render(hex("bf 6161 01 6162 9f 02 03 ff ff"))).isEqualTo("{\"a\":1,\"b\":[2,3]}");
    }

    @Test
    void timestampsAreIsoUtcRoundedToTheMicrosecond() {
        assertThat(render(g -> CborDocs.timestamp(g, 0))).isEqualTo("\"1970-01-01T00:00:00Z\"");
        assertThat(render(g -> CborDocs.timestamp(g, -1500))).isEqualTo("\"1969-12-31T23:59:58.500Z\"");
        // Microseconds, as the fast path writes an Avro timestamp-micros: the float64 error is below half a microsecond.
        assertThat(render(g -> {
            g.writeTag(1);
            g.writeNumber(1_700_000_000_123_456L / 1e6);
        })).isEqualTo("\"2023-11-14T22:13:20.123456Z\"");
        // Integer seconds (RFC 8949 allows them; another writer may send them).
        assertThat(render(g -> {
            g.writeTag(1);
            g.writeNumber(1_700_000_000L);
        })).isEqualTo("\"" + Instant.ofEpochSecond(1_700_000_000L) + "\"");
        // Outside Instant's range, or not a number: the content.
        assertThat(render(g -> {
            g.writeTag(1);
            g.writeNumber(1e300);
        })).isEqualTo("1.0E300");
        assertThat(render(g -> {
            g.writeTag(1);
            g.writeNumber(Double.NaN);
        })).isEqualTo("\"NaN\"");
    }

    @Test
    void datesAreIsoDaysAndOtherTagsGiveTheirContent() {
        assertThat(render(g -> CborDocs.date(g, -1))).isEqualTo("\"1969-12-31\"");
        assertThat(render(g -> CborDocs.date(g, LocalDate.of(2024, 2, 29).toEpochDay()))).isEqualTo("\"2024-02-29\"");
        assertThat(render(g -> CborDocs.date(g, Long.MAX_VALUE))).isEqualTo(Long.toString(Long.MAX_VALUE));
        // Tag 32 (URI) on a text, tag 1 on a text (not epoch seconds), tag 100 on a map.
        assertThat(MetadataJson.render(hex("d8 20 63 612f62"))).isEqualTo("\"a/b\"");
        assertThat(MetadataJson.render(hex("c1 61 78"))).isEqualTo("\"x\"");
        assertThat(MetadataJson.render(hex("d8 64 a1 6161 01"))).isEqualTo("{\"a\":1}");
        // CBOR undefined is null.
        assertThat(MetadataJson.render(hex("a1 6161 f7"))).isEqualTo("{\"a\":null}");
    }

    @Test
    void streamsIntoAGeneratorMidObject() throws Exception {
        StringWriter out = new StringWriter();
        try (JsonGenerator json = new JsonFactory().createGenerator(out)) {
            json.writeStartObject();
            json.writeStringField("id", "doc-1");
            json.writeFieldName("metadata");
            MetadataJson.write(CborDocs.strings("lang", "en"), json);
            json.writeNumberField("after", 1);
            json.writeEndObject();
        }
        assertThat(out.toString()).isEqualTo("{\"id\":\"doc-1\",\"metadata\":{\"lang\":\"en\"},\"after\":1}");
    }

    @Test
    void malformedDocumentsFailNamingTheByteOffset() {
        assertMalformed(new byte[0], 0, "empty");
        assertMalformed(hex("bf 6161 19 01"), 5, "end-of-input"); // ends where the document does
        assertMalformed(hex("a1 6161 01 02"), 4, "bytes follow the end of the top-level data item");
        assertMalformed(hex("a1 6161 1c"), 4, "0x1c");
        assertMalformed(hex("a1 6161 62 c328"), 6, "UTF-8");
        assertMalformed(hex("ff"), 1, "Break");
        assertMalformed(hex("a1 a0 01"), 2, "major type (5)");
        // A byte string that claims 2 GiB in a 10-byte document: fails as truncated, allocates nothing of the sort.
        assertMalformed(hex("a1 6161 5a 7fffffff 0102"), 10, "end-of-input");
        assertMalformed(hex("a1 6161 7a 7fffffff 0102"), 10, "end-of-input");
    }

    private static void assertMalformed(byte[] doc, long offset, String reason) {
        assertThatThrownBy(() -> MetadataJson.render(doc)).isInstanceOf(MalformedMetadataException.class)
                .hasMessageContaining(reason).hasMessageEndingWith("at byte offset " + offset)
                .satisfies(e -> assertThat(((MalformedMetadataException) e).offset()).isEqualTo(offset));
    }

    private static String render(CborDocs.Body body) {
        return MetadataJson.render(CborDocs.raw(body));
    }
}
