package io.jadevectordb.cli;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import com.fasterxml.jackson.dataformat.cbor.CBORFactory;
import com.fasterxml.jackson.dataformat.cbor.CBORGenerator;

import io.jadevectordb.engine.Mutation;
import io.jadevectordb.engine.SourcePartition;
import io.jadevectordb.engine.StoreOptions;
import io.jadevectordb.engine.VectorStore;

/** Real stores for CLI tests, written through the engine API. */
final class TestStore {

    static final StoreOptions OPTIONS = StoreOptions.defaults().withFlushInterval(Duration.ZERO).withGrowthBytes(64 * 1024);
    static final SourcePartition P0 = new SourcePartition("vectors", 0);
    static final SourcePartition P1 = new SourcePartition("vectors", 1);

    private TestStore() {
    }

    static VectorStore open(Path root) throws Exception {
        return VectorStore.open(root, OPTIONS);
    }

    static float[] random(Random random, int dimension) {
        float[] v = new float[dimension];
        for (int i = 0; i < dimension; i++) {
            v[i] = random.nextFloat() * 2 - 1;
        }
        return v;
    }

    /** The languages {@link #writeWithMetadata} tags vectors with: id-i has {@code LANGS[i % 3]}. */
    static final String[] LANGS = {"en", "fr", "de"};

    /**
     * The metadata {@link #writeWithMetadata} gives id-i, as the sink writes it (CBOR map through
     * Jackson's CBORGenerator, docs/format.md): title, lang, year 2000 + i % 20, tags
     * ["t" + i % 4], and a published timestamp (tag 1) of 2024-01-01T00:00:00Z plus i hours; every
     * tenth id has none (null).
     */
    static byte[] metadataOf(int i) {
        if (i % 10 == 0) {
            return null;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (CBORGenerator g = new CBORFactory().createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("title", "Title " + i);
            g.writeStringField("lang", LANGS[i % 3]);
            g.writeFieldName("year");
            g.writeNumber((long) (2000 + i % 20));
            g.writeFieldName("tags");
            g.writeStartArray();
            g.writeString("t" + i % 4);
            g.writeEndArray();
            g.writeFieldName("published");
            g.writeTag(1);
            g.writeNumber((1_704_067_200_000L + i * 3_600_000L) / 1000.0);
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** As {@link #write}, every vector stored with {@link #metadataOf} its index. */
    static Map<String, float[]> writeWithMetadata(Path root, String db, int dimension, int count, long seed) throws Exception {
        Random random = new Random(seed);
        Map<String, float[]> live = new LinkedHashMap<>();
        List<Mutation> even = new ArrayList<>();
        List<Mutation> odd = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            float[] v = random(random, dimension);
            (i % 2 == 0 ? even : odd).add(Mutation.store("id-" + i, v, metadataOf(i), i));
            live.put("id-" + i, v);
        }
        try (VectorStore store = open(root)) {
            store.createDatabase(db, dimension);
            store.apply(db, P0, even);
            store.apply(db, P1, odd);
            store.commit(P0, count);
            store.commit(P1, count + 1);
        }
        return live;
    }

    /**
     * Database {@code db} of {@code count} random vectors, id {@code id-i} on partition i % 2,
     * every third id deleted afterwards, everything committed and closed cleanly. Returns the
     * live vectors by id.
     */
    static Map<String, float[]> write(Path root, String db, int dimension, int count, long seed) throws Exception {
        Random random = new Random(seed);
        Map<String, float[]> live = new LinkedHashMap<>();
        List<Mutation> even = new ArrayList<>();
        List<Mutation> odd = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            float[] v = random(random, dimension);
            (i % 2 == 0 ? even : odd).add(Mutation.store("id-" + i, v, i));
            live.put("id-" + i, v);
        }
        for (int i = 0; i < count; i += 3) {
            (i % 2 == 0 ? even : odd).add(Mutation.delete("id-" + i, count + i));
            live.remove("id-" + i);
        }
        try (VectorStore store = open(root)) {
            store.createDatabase(db, dimension);
            store.apply(db, P0, even);
            store.apply(db, P1, odd);
            store.commit(P0, 2L * count);
            store.commit(P1, 2L * count + 1);
        }
        return live;
    }
}
