package io.jadevectordb.engine.metadata;

import static io.jadevectordb.engine.metadata.CborDocs.hex;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.time.LocalDate;

import org.junit.jupiter.api.Test;

/** Filters on CBOR metadata: every operator, nesting, arrays, dotted keys, logical types, absence, and wrong filters. */
class MetadataFilterTest {

    /** A document with one of each kind the connector writes. */
    private static final byte[] ARTICLE = CborDocs.map(g -> {
        g.writeStringField("lang", "en");
        g.writeFieldName("year");
        g.writeNumber(2004L);
        g.writeFieldName("draft");
        g.writeBoolean(false);
        g.writeFieldName("score");
        g.writeNumber(0.1f);
        g.writeFieldName("weight");
        g.writeNumber(2.5);
        g.writeFieldName("price");
        g.writeNumber(new BigDecimal("19.90"));
        g.writeFieldName("tags");
        g.writeStartArray();
        g.writeString("science");
        g.writeString("space");
        g.writeEndArray();
        g.writeFieldName("ratings");
        g.writeStartArray();
        g.writeNumber(3L);
        g.writeNumber(9L);
        g.writeEndArray();
        g.writeFieldName("author");
        g.writeStartObject();
        g.writeStringField("name", "Ada");
        g.writeFieldName("address");
        g.writeStartObject();
        g.writeStringField("city", "London");
        g.writeEndObject();
        g.writeEndObject();
        g.writeFieldName("reviewers");
        g.writeStartArray();
        g.writeStartObject();
        g.writeStringField("name", "Bob");
        g.writeEndObject();
        g.writeStartObject();
        g.writeStringField("name", "Eve");
        g.writeEndObject();
        g.writeEndArray();
        g.writeFieldName("subtitle");
        g.writeNull();
        g.writeFieldName("published");
        CborDocs.timestamp(g, 1_700_000_000_123L); // 2023-11-14T22:13:20.123Z
        g.writeFieldName("day");
        CborDocs.date(g, LocalDate.of(2024, 1, 15).toEpochDay());
        g.writeFieldName("counts");
        g.writeStartObject();
        g.writeFieldId(7);
        g.writeNumber(70L);
        g.writeEndObject();
    });

    private static boolean matches(String filter) {
        return MetadataFilter.parse(filter).matches(ARTICLE);
    }

    private static String cond(String key, String test) {
        return "{\"key\":\"" + key + "\"," + test + "}";
    }

    private static String must(String... conditions) {
        return "{\"must\":[" + String.join(",", conditions) + "]}";
    }

    @Test
    void matchValueComparesStringsIntegersAndBooleansExactly() {
        assertThat(matches(must(cond("lang", "\"match\":{\"value\":\"en\"}")))).isTrue();
        assertThat(matches(must(cond("lang", "\"match\":{\"value\":\"EN\"}")))).isFalse();
        assertThat(matches(must(cond("year", "\"match\":{\"value\":2004}")))).isTrue();
        assertThat(matches(must(cond("year", "\"match\":{\"value\":2005}")))).isFalse();
        assertThat(matches(must(cond("year", "\"match\":{\"value\":\"2004\"}")))).as("text is not a number").isFalse();
        assertThat(matches(must(cond("draft", "\"match\":{\"value\":false}")))).isTrue();
        assertThat(matches(must(cond("draft", "\"match\":{\"value\":true}")))).isFalse();
        assertThat(matches(must(cond("draft", "\"match\":{\"value\":0}")))).as("a boolean is not a number").isFalse();
    }

    @Test
    void numbersCompareNumericallyAcrossEncodingsAndAtTheStoredPrecision() {
        assertThat(matches(must(cond("year", "\"match\":{\"value\":2004.0}")))).isTrue();
        assertThat(matches(must(cond("weight", "\"match\":{\"value\":2.50}")))).isTrue();
        // 0.1 rounded to float32 is the stored 0.1f; exactly, they differ.
        assertThat(matches(must(cond("score", "\"match\":{\"value\":0.1}")))).isTrue();
        assertThat(matches(must(cond("score", "\"range\":{\"lte\":0.1}")))).isTrue();
        assertThat(matches(must(cond("score", "\"range\":{\"lt\":0.1}")))).isFalse();
        // Decimals (tag 4) compare exactly, whatever their scale.
        assertThat(matches(must(cond("price", "\"match\":{\"value\":19.9}")))).isTrue();
        assertThat(matches(must(cond("price", "\"range\":{\"gt\":19.899999999999999999}")))).isTrue();
        assertThat(matches(must(cond("price", "\"range\":{\"gt\":19.9}")))).isFalse();
    }

    @Test
    void matchAnyIsMembership() {
        assertThat(matches(must(cond("lang", "\"match\":{\"any\":[\"fr\",\"en\"]}")))).isTrue();
        assertThat(matches(must(cond("lang", "\"match\":{\"any\":[\"fr\",\"de\"]}")))).isFalse();
        assertThat(matches(must(cond("year", "\"match\":{\"any\":[1999,2004]}")))).isTrue();
    }

    @Test
    void rangeBoundsAreStrictOrInclusiveAsNamed() {
        assertThat(matches(must(cond("year", "\"range\":{\"gte\":2004,\"lt\":2010}")))).isTrue();
        assertThat(matches(must(cond("year", "\"range\":{\"gt\":2004}")))).isFalse();
        assertThat(matches(must(cond("year", "\"range\":{\"lte\":2004}")))).isTrue();
        assertThat(matches(must(cond("year", "\"range\":{\"lt\":2004}")))).isFalse();
        assertThat(matches(must(cond("year", "\"range\":{\"gt\":2003.5,\"lt\":2004.5}")))).isTrue();
        assertThat(matches(must(cond("lang", "\"range\":{\"gte\":0}")))).as("text is not in a numeric range").isFalse();
    }

    @Test
    void existsTellsPresentFromAbsentOrNull() {
        assertThat(matches(must(cond("lang", "\"exists\":true")))).isTrue();
        assertThat(matches(must(cond("author", "\"exists\":true")))).as("a nested map is present").isTrue();
        assertThat(matches(must(cond("subtitle", "\"exists\":true")))).as("null").isFalse();
        assertThat(matches(must(cond("subtitle", "\"exists\":false")))).isTrue();
        assertThat(matches(must(cond("missing", "\"exists\":false")))).isTrue();
        assertThat(matches(must(cond("missing", "\"exists\":true")))).isFalse();
    }

    @Test
    void noMetadataPassesOnlyWhatAbsentFieldsSatisfy() {
        assertThat(MetadataFilter.parse(must(cond("lang", "\"exists\":false"))).matches(null)).isTrue();
        assertThat(MetadataFilter.parse("{\"must_not\":[" + cond("lang", "\"match\":{\"value\":\"en\"}") + "]}").matches(null))
                .isTrue();
        assertThat(MetadataFilter.parse(must(cond("lang", "\"match\":{\"value\":\"en\"}"))).matches(null)).isFalse();
        assertThat(MetadataFilter.parse(must(cond("year", "\"range\":{\"gte\":0}"))).matches(null)).isFalse();
        assertThat(MetadataFilter.parse("{}").matches(null)).isTrue();
        assertThat(MetadataFilter.parse("{}").matchesAll()).isTrue();
    }

    @Test
    void clausesNest() {
        String en = cond("lang", "\"match\":{\"value\":\"en\"}");
        String fr = cond("lang", "\"match\":{\"value\":\"fr\"}");
        String old = cond("year", "\"range\":{\"lt\":2000}");
        assertThat(matches("{\"should\":[" + fr + "," + en + "]}")).isTrue();
        assertThat(matches("{\"should\":[" + fr + "," + old + "]}")).isFalse();
        assertThat(matches("{\"must_not\":[" + fr + "]}")).isTrue();
        assertThat(matches("{\"must_not\":[" + fr + "," + en + "]}")).isFalse();
        // (en or fr) and not (before 2000 or draft): must, should and must_not together, and a nested clause.
        assertThat(matches("{\"must\":[{\"should\":[" + en + "," + fr + "]}],\"must_not\":[{\"should\":[" + old + ","
                + cond("draft", "\"match\":{\"value\":true}") + "]}]}")).isTrue();
        assertThat(matches("{\"must\":[" + en + "],\"should\":[" + fr + "]}")).as("should still needs one").isFalse();
        // A top-level condition is a filter of one condition; a clause element may be written without brackets.
        assertThat(matches(en)).isTrue();
        assertThat(matches("{\"must\":" + fr + "}")).isFalse();
    }

    @Test
    void arraysMatchWhenAnyElementDoes() {
        assertThat(matches(must(cond("tags", "\"match\":{\"value\":\"space\"}")))).isTrue();
        assertThat(matches(must(cond("tags", "\"match\":{\"any\":[\"art\",\"science\"]}")))).isTrue();
        assertThat(matches(must(cond("tags", "\"match\":{\"value\":\"art\"}")))).isFalse();
        // Some element in range: 9 is in [5, 10) even though 3 is not.
        assertThat(matches(must(cond("ratings", "\"range\":{\"gte\":5,\"lt\":10}")))).isTrue();
        assertThat(matches(must(cond("ratings", "\"range\":{\"gt\":9}")))).isFalse();
        assertThat(matches("{\"must_not\":[" + cond("tags", "\"match\":{\"value\":\"space\"}") + "]}")).isFalse();
    }

    @Test
    void dottedKeysGoIntoNestedMapsAndArraysOfMaps() {
        assertThat(matches(must(cond("author.name", "\"match\":{\"value\":\"Ada\"}")))).isTrue();
        assertThat(matches(must(cond("author.address.city", "\"match\":{\"value\":\"London\"}")))).isTrue();
        assertThat(matches(must(cond("author.address.zip", "\"exists\":false")))).isTrue();
        assertThat(matches(must(cond("lang.x", "\"exists\":false")))).as("a text has no fields").isTrue();
        assertThat(matches(must(cond("reviewers.name", "\"match\":{\"value\":\"Eve\"}")))).isTrue();
        assertThat(matches(must(cond("reviewers.name", "\"match\":{\"value\":\"Ada\"}")))).isFalse();
        // Integer keys (Connect maps with integer keys) are named by their digits.
        assertThat(matches(must(cond("counts.7", "\"match\":{\"value\":70}")))).isTrue();
        // The key and a key below it in one filter.
        assertThat(matches(must(cond("author", "\"exists\":true"), cond("author.name", "\"exists\":true")))).isTrue();
    }

    @Test
    void timestampsCompareWithIsoBoundsAndSeconds() {
        assertThat(matches(must(cond("published", "\"range\":{\"gte\":\"2023-11-14T22:13:20.123Z\"}")))).isTrue();
        assertThat(matches(must(cond("published", "\"range\":{\"gt\":\"2023-11-14T22:13:20.123Z\"}")))).isFalse();
        assertThat(matches(must(cond("published", "\"range\":{\"lt\":\"2023-11-14T22:13:20.124Z\"}")))).isTrue();
        // An offset names the same instant.
        assertThat(matches(must(cond("published", "\"range\":{\"gte\":\"2023-11-15T00:13:20.123+02:00\","
                + "\"lte\":\"2023-11-15T00:13:20.123+02:00\"}")))).isTrue();
        // A date bound is its midnight UTC.
        assertThat(matches(must(cond("published", "\"range\":{\"gte\":\"2023-11-14\",\"lt\":\"2023-11-15\"}")))).isTrue();
        assertThat(matches(must(cond("published", "\"range\":{\"gte\":\"2023-11-15\"}")))).isFalse();
        // Numbers compare with the epoch seconds.
        assertThat(matches(must(cond("published", "\"range\":{\"gt\":1700000000,\"lt\":1700000001}")))).isTrue();
        assertThat(matches(must(cond("published", "\"match\":{\"value\":\"2023-11-14T22:13:20.123Z\"}")))).isTrue();
        assertThat(matches(must(cond("year", "\"range\":{\"gte\":\"2000-01-01\"}")))).as("a plain number is no date")
                .isFalse();
    }

    @Test
    void datesCompareWithDateAndTimestampBounds() {
        assertThat(matches(must(cond("day", "\"range\":{\"gte\":\"2024-01-15\",\"lte\":\"2024-01-15\"}")))).isTrue();
        assertThat(matches(must(cond("day", "\"range\":{\"gt\":\"2024-01-15\"}")))).isFalse();
        assertThat(matches(must(cond("day", "\"range\":{\"lt\":\"2024-01-15T00:00:01Z\"}")))).isTrue();
        assertThat(matches(must(cond("day", "\"match\":{\"value\":\"2024-01-15\"}")))).isTrue();
        assertThat(matches(must(cond("day", "\"match\":{\"value\":\"2024-01-16\"}")))).isFalse();
    }

    @Test
    void aMalformedDocumentIsReportedWithItsOffset() {
        MetadataFilter filter = MetadataFilter.parse(must(cond("lang", "\"exists\":true")));
        assertThatThrownBy(() -> filter.matches(hex("bf 6461 6c61 6e67"))).isInstanceOf(MalformedMetadataException.class)
                .hasMessageContaining("at byte offset");
        // The filter every vector passes never reads the document.
        assertThat(MetadataFilter.ALL.matches(hex("ff"))).isTrue();
    }

    @Test
    void aDocumentNestedTooDeeplyFailsAsMalformedNotWithAStackOverflow() {
        // {"a": [[[[ ... 100000 levels: hostile bytes, which no writer of ours produces (it stops at 64).
        int depth = 100_000;
        byte[] doc = new byte[3 + depth];
        doc[0] = (byte) 0xbf;
        doc[1] = 0x61;
        doc[2] = 'a';
        for (int i = 3; i < doc.length; i++) {
            doc[i] = (byte) 0x9f;
        }
        MetadataFilter filter = MetadataFilter.parse(must(cond("a", "\"match\":{\"value\":1}")));
        assertThatThrownBy(() -> filter.matches(doc)).isInstanceOf(MalformedMetadataException.class)
                .hasMessageContaining("at byte offset");
        assertThatThrownBy(() -> MetadataJson.render(doc)).isInstanceOf(MalformedMetadataException.class);
    }

    @Test
    void readsTheDocumentInPlaceWithinALargerBuffer() {
        byte[] buffer = new byte[ARTICLE.length + 10];
        System.arraycopy(ARTICLE, 0, buffer, 7, ARTICLE.length);
        MetadataFilter filter = MetadataFilter.parse(must(cond("author.name", "\"match\":{\"value\":\"Ada\"}")));
        assertThat(filter.matches(buffer, 7, ARTICLE.length)).isTrue();
    }

    @Test
    void wrongFiltersNameThePlaceAndTheFix() {
        assertInvalid("{\"must\":[", "", "not valid JSON");
        assertInvalid("[]", "", "is not an object; a filter is {\"must\"");
        assertInvalid("", "", "the filter is empty");
        assertInvalid("{\"must\":[{}],\"musts\":[]}", "musts", "unknown member; a filter has \"must\"");
        assertInvalid("{\"must\":3}", "must", "3 is not an array of conditions");
        assertInvalid(must(cond("lang", "\"exists\":true"), "{\"key\":\"\",\"exists\":true}"), "must[1].key",
                "\"\" is not a non-empty string; name a metadata field");
        assertInvalid(must("{\"key\":\"a..b\",\"exists\":true}"), "must[0].key", "\"a..b\" has an empty segment");
        assertInvalid(must("{\"key\":\"a\"}"), "must[0]", "has no test; add \"match\", \"range\" or \"exists\"");
        assertInvalid(must("{\"key\":\"a\",\"exists\":true,\"match\":{\"value\":1}}"), "must[0].match",
                "write two conditions in a \"must\" list");
        assertInvalid(must("{\"key\":\"a\",\"must\":[]}"), "must[0].must", "cannot hold clauses");
        assertInvalid(must("{\"key\":\"a\",\"matches\":{}}"), "must[0].matches", "unknown member of a condition");
        assertInvalid(must(cond("a", "\"match\":{\"value\":null}")), "must[0].match.value",
                "null cannot be matched; to find a missing or null field use {\"key\": ..., \"exists\": false}");
        assertInvalid(must(cond("a", "\"match\":{\"value\":[1]}")), "must[0].match.value", "[1] cannot be matched");
        assertInvalid(must(cond("a", "\"match\":{\"values\":1}")), "must[0].match", "is not {\"value\": V} or {\"any\"");
        assertInvalid(must(cond("a", "\"match\":{\"any\":[]}")), "must[0].match.any", "is not a non-empty array");
        assertInvalid(must(cond("a", "\"match\":{\"any\":[\"x\",{}]}")), "must[0].match.any[1]", "{} cannot be matched");
        assertInvalid(must(cond("a", "\"exists\":true"), cond("b", "\"range\":{\"gte\":\"abc\"}")), "must[1].range.gte",
                "\"abc\" is not a number or ISO-8601 timestamp; use a number, a timestamp such as \"2024-01-15T10:00:00Z\" "
                        + "or a date such as \"2024-01-15\"");
        assertInvalid(must(cond("a", "\"range\":{\"gte\":true}")), "must[0].range.gte", "true is not a number");
        assertInvalid(must(cond("a", "\"range\":{\"from\":1}")), "must[0].range.from", "unknown bound; use gt, gte, lt or lte");
        assertInvalid(must(cond("a", "\"range\":{}")), "must[0].range", "has no bound");
        assertInvalid(must(cond("a", "\"exists\":\"yes\"")), "must[0].exists", "is not true or false");
        assertInvalid("{\"should\":[]}", "should", "is empty, which no vector could satisfy");
        assertInvalid("{\"must_not\":[{\"should\":[" + cond("a", "\"range\":{\"lt\":\"2024-13-01\"}") + "]}]}",
                "must_not[0].should[0].range.lt", "\"2024-13-01\" is not a number or ISO-8601 timestamp");
        assertInvalid("{\"must\":[],\"must\":[]}", "", "Duplicate field 'must'");
    }

    private static void assertInvalid(String filter, String path, String message) {
        assertThatThrownBy(() -> MetadataFilter.parse(filter)).as(filter).isInstanceOf(InvalidFilterException.class)
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("invalid filter: " + (path.isEmpty() ? "" : path + ": ")).hasMessageContaining(message)
                .satisfies(e -> assertThat(((InvalidFilterException) e).path()).isEqualTo(path));
    }
}
