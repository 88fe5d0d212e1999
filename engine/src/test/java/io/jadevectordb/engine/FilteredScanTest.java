package io.jadevectordb.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Predicate;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.jadevectordb.engine.metadata.CborDocs;
import io.jadevectordb.engine.metadata.MalformedMetadataException;
import io.jadevectordb.engine.metadata.MetadataFilter;

/** Scans with a metadata filter over real shard files: only matching vectors reach the visitor, with their metadata. */
class FilteredScanTest {

    private static final long SEED = 20261207L;
    private static final String[] LANGS = {"en", "fr", "de"};
    private static final int COUNT = 300;
    private static final int DIMENSION = 5;

    @TempDir
    Path root;

    private final StoreOptions options = StoreOptions.defaults().withFlushInterval(Duration.ZERO);
    private final SourcePartition p0 = new SourcePartition("vectors", 0);
    private final SourcePartition p1 = new SourcePartition("vectors", 1);

    /** What the store holds, by id: the model the scans are checked against. */
    private record Doc(float[] vector, String lang, long year, byte[] metadata) {
    }

    private final Map<String, Doc> live = new LinkedHashMap<>();

    private static byte[] metadata(String lang, long year, int i) {
        return CborDocs.map(g -> {
            g.writeStringField("lang", lang);
            g.writeFieldName("year");
            g.writeNumber(year);
            g.writeFieldName("tags");
            g.writeStartArray();
            g.writeString("t" + (i % 4));
            g.writeString("t" + (i % 5));
            g.writeEndArray();
            // Every seventh document carries a text long enough for Jackson to write it in chunks, before the key read last.
            if (i % 7 == 0) {
                g.writeStringField("body", "b".repeat(3000));
            }
            g.writeFieldName("author");
            g.writeStartObject();
            g.writeStringField("name", "author-" + (i % 3));
            g.writeEndObject();
        });
    }

    /**
     * articles (dimension 5) on two partitions: every tenth id without metadata, every ninth
     * deleted, every eleventh re-tagged to "en" by an UPDATE without a vector. All committed.
     */
    @BeforeEach
    void writeStore() throws Exception {
        Random random = new Random(SEED);
        List<Mutation> even = new ArrayList<>();
        List<Mutation> odd = new ArrayList<>();
        for (int i = 0; i < COUNT; i++) {
            String id = "id-" + i;
            float[] v = new float[DIMENSION];
            for (int d = 0; d < DIMENSION; d++) {
                v[d] = random.nextFloat();
            }
            String lang = LANGS[i % 3];
            long year = 1990 + i % 30;
            byte[] md = i % 10 == 0 ? null : metadata(lang, year, i);
            (i % 2 == 0 ? even : odd).add(Mutation.store(id, v, md, i));
            live.put(id, new Doc(v, md == null ? null : lang, year, md));
        }
        for (int i = 0; i < COUNT; i += 9) {
            (i % 2 == 0 ? even : odd).add(Mutation.delete("id-" + i, COUNT + i));
            live.remove("id-" + i);
        }
        for (int i = 1; i < COUNT; i += 11) {
            Doc old = live.get("id-" + i);
            if (old != null && old.lang() != null) {
                byte[] md = metadata("en", old.year(), i);
                (i % 2 == 0 ? even : odd).add(Mutation.update("id-" + i, null, md, 2L * COUNT + i));
                live.put("id-" + i, new Doc(old.vector(), "en", old.year(), md));
            }
        }
        try (VectorStore store = VectorStore.open(root, options)) {
            store.createDatabase("articles", DIMENSION);
            store.apply("articles", p0, even);
            store.apply("articles", p1, odd);
            store.commit(p0, 3L * COUNT);
            store.commit(p1, 3L * COUNT + 1);
        }
    }

    private Map<String, Doc> expected(Predicate<Doc> which) {
        Map<String, Doc> out = new HashMap<>();
        live.forEach((id, doc) -> {
            if (which.test(doc)) {
                out.put(id, doc);
            }
        });
        return out;
    }

    private static void assertVisited(Map<String, StoredVector> seen, Map<String, Doc> expected) {
        assertThat(seen.keySet()).as("seed %d", SEED).containsExactlyInAnyOrderElementsOf(expected.keySet());
        expected.forEach((id, doc) -> {
            assertThat(seen.get(id).vector()).as(id).containsExactly(doc.vector());
            if (doc.metadata() == null) {
                assertThat(seen.get(id).metadata()).as(id).isNull();
            } else {
                assertThat(seen.get(id).metadata()).as(id).containsExactly(doc.metadata());
            }
        });
    }

    private static final String EN_NINETIES = "{\"must\":[{\"key\":\"lang\",\"match\":{\"value\":\"en\"}},"
            + "{\"key\":\"year\",\"range\":{\"gte\":1990,\"lt\":2000}}],"
            + "\"must_not\":[{\"key\":\"tags\",\"match\":{\"value\":\"t3\"}}]}";

    private Predicate<Doc> enNineties() {
        return d -> "en".equals(d.lang()) && d.year() < 2000 && !tagged(d, "t3");
    }

    private boolean tagged(Doc d, String tag) {
        for (Map.Entry<String, Doc> e : live.entrySet()) {
            if (e.getValue() == d) {
                int i = Integer.parseInt(e.getKey().substring(3));
                return tag.equals("t" + (i % 4)) || tag.equals("t" + (i % 5));
            }
        }
        throw new AssertionError("not in the model");
    }

    @Test
    void storeReaderHandsOnlyMatchingVectorsWithTheirMetadata() throws Exception {
        Map<String, StoredVector> seen = new HashMap<>();
        StoreReader.ScanResult result = StoreReader.open(root).scan("articles", MetadataFilter.parse(EN_NINETIES),
                e -> assertThat(seen.put(e.id(), e)).isNull());
        Map<String, Doc> expected = expected(enNineties());
        assertThat(expected).as("the filter selects some but not all").isNotEmpty().hasSizeLessThan(live.size() / 3);
        assertVisited(seen, expected);
        assertThat(result).isEqualTo(new StoreReader.ScanResult(expected.size(), 0, live.size() - expected.size(), 0));
    }

    @Test
    void vectorsWithoutMetadataPassOnlyWhatAbsentFieldsSatisfy() throws Exception {
        Map<String, StoredVector> seen = new HashMap<>();
        StoreReader.open(root).scan("articles", MetadataFilter.parse("{\"key\":\"lang\",\"exists\":false}"),
                e -> seen.put(e.id(), e));
        assertVisited(seen, expected(d -> d.metadata() == null));
    }

    @Test
    void theUnfilteredScanVisitsEveryLiveVectorWithItsMetadata() throws Exception {
        Map<String, StoredVector> seen = new HashMap<>();
        StoreReader.ScanResult result = StoreReader.open(root).scan("articles", MetadataFilter.ALL, e -> seen.put(e.id(), e));
        assertVisited(seen, live);
        assertThat(result).isEqualTo(new StoreReader.ScanResult(live.size(), 0));
    }

    @Test
    void databaseScanSeesTheNewestMetadataOfARetaggedVector() throws Exception {
        try (VectorStore store = VectorStore.open(root, options)) {
            Database db = store.database("articles").orElseThrow();
            // id-5 is "de"; re-tag it "en" and commit: the filtered scan follows, the vector stays.
            byte[] md = metadata("en", 1995, 5);
            store.apply("articles", p1, List.of(Mutation.update("id-5", null, md, 10L * COUNT)));
            store.commit(p1, 10L * COUNT);
            live.put("id-5", new Doc(live.get("id-5").vector(), "en", 1995, md));

            Map<String, StoredVector> seen = new HashMap<>();
            db.scanEntries(MetadataFilter.parse("{\"key\":\"author.name\",\"match\":{\"any\":[\"author-2\"]}}"),
                    e -> seen.put(e.id(), e));
            assertVisited(seen, expected(d -> d.metadata() != null && d.lang() != null && authorOf(d) == 2));

            Map<String, StoredVector> english = new HashMap<>();
            db.scanEntries(MetadataFilter.parse("{\"key\":\"lang\",\"match\":{\"value\":\"en\"}}"), e -> english.put(e.id(), e));
            assertThat(english).containsKey("id-5");
            assertVisited(english, expected(d -> "en".equals(d.lang())));
        }
    }

    private int authorOf(Doc d) {
        for (Map.Entry<String, Doc> e : live.entrySet()) {
            if (e.getValue() == d) {
                return Integer.parseInt(e.getKey().substring(3)) % 3;
            }
        }
        throw new AssertionError("not in the model");
    }

    @Test
    void aVectorWhoseMetadataIsNotCborIsLeftOutOfFilteredScansAndCounted() throws Exception {
        try (VectorStore store = VectorStore.open(root, options)) {
            // The engine stores metadata as opaque bytes: a library user may put anything there.
            store.apply("articles", p0, List.of(Mutation.store("odd", new float[DIMENSION],
                    "{lang: en}".getBytes(StandardCharsets.UTF_8), 10L * COUNT)));
            store.commit(p0, 10L * COUNT);
            MetadataFilter english = MetadataFilter.parse("{\"key\":\"lang\",\"match\":{\"value\":\"en\"}}");

            Map<String, StoredVector> seen = new HashMap<>();
            StoreReader.ScanResult result = StoreReader.open(root).scan("articles", english, e -> seen.put(e.id(), e));
            assertThat(seen).doesNotContainKey("odd").hasSize(expected(d -> "en".equals(d.lang())).size());
            assertThat(result.malformedMetadata()).isEqualTo(1);

            Map<String, StoredVector> visited = new HashMap<>();
            Database db = store.database("articles").orElseThrow();
            assertThatThrownBy(() -> db.scanEntries(english, e -> visited.put(e.id(), e)))
                    .isInstanceOf(MalformedMetadataException.class)
                    .hasMessageContaining("database articles: 1 vector(s) left out of a filtered scan")
                    .hasMessageContaining("vector 'odd' of shard articles/vectors-0.jvdb")
                    .hasMessageContaining("at byte offset");
            assertThat(visited).as("the others were visited first").hasSize(seen.size());

            List<String> all = new ArrayList<>();
            db.scanEntries(MetadataFilter.ALL, e -> all.add(e.id()));
            assertThat(all).contains("odd").hasSize(live.size() + 1);
        }
    }

    @Test
    void getAllEntriesReturnsMetadataInTheOrderAsked() throws Exception {
        try (VectorStore store = VectorStore.open(root, options)) {
            Database db = store.database("articles").orElseThrow();
            Map<String, StoredVector> got = db.getAllEntries(List.of("id-20", "id-9", "id-1", "nope", "id-2"));
            assertThat(got.keySet()).containsExactly("id-20", "id-1", "id-2"); // id-9 is deleted
            assertThat(got.get("id-20").metadata()).isNull();
            assertThat(got.get("id-1").metadata()).containsExactly(live.get("id-1").metadata());
            assertThat(got.get("id-2").vector()).containsExactly(live.get("id-2").vector());
            assertThat(db.getAll(List.of("id-2")).get("id-2")).containsExactly(live.get("id-2").vector());
        }
    }
}
