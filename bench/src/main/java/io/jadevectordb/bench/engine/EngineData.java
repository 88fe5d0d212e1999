package io.jadevectordb.bench.engine;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import com.fasterxml.jackson.dataformat.cbor.CBORFactory;
import com.fasterxml.jackson.dataformat.cbor.CBORGenerator;

import io.jadevectordb.engine.Mutation;
import io.jadevectordb.engine.SourcePartition;
import io.jadevectordb.engine.VectorStore;

/**
 * What the engine benchmarks share: deterministic vectors and ids, and scratch directories
 * under {@code bench.dataDir} (default {@code target/engine-data}) that are removed again.
 */
final class EngineData {

    private EngineData() {
    }

    /** {@code count} random vectors of {@code dimension} components in [-1, 1), from a fixed seed. */
    static float[][] vectors(int count, int dimension, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        float[][] vectors = new float[count][dimension];
        for (float[] v : vectors) {
            for (int i = 0; i < dimension; i++) {
                v[i] = (float) (random.nextDouble() * 2 - 1);
            }
        }
        return vectors;
    }

    /** Ids as a producer would send them: {@code doc-<n>}. */
    static String[] ids(int count, String prefix) {
        String[] ids = new String[count];
        for (int i = 0; i < count; i++) {
            ids[i] = prefix + i;
        }
        return ids;
    }

    /**
     * Per-vector metadata as the connector writes it (one CBOR map: title, language, url, year,
     * score, tags and a description filling the document up to about {@code bytes}), distinct per
     * index; null entries when {@code bytes} is 0 (no metadata).
     */
    static byte[][] metadata(int count, int bytes, long seed) {
        byte[][] documents = new byte[count][];
        if (bytes == 0) {
            return documents;
        }
        SplittableRandom random = new SplittableRandom(seed);
        CBORFactory factory = new CBORFactory();
        for (int i = 0; i < count; i++) {
            ByteArrayOutputStream out = new ByteArrayOutputStream(bytes + 64);
            try (CBORGenerator cbor = factory.createGenerator(out)) {
                cbor.writeStartObject();
                cbor.writeStringField("title", "Article " + i + " on vector search and durable logs");
                cbor.writeStringField("language", random.nextBoolean() ? "en" : "de");
                cbor.writeStringField("url", "https://example.org/articles/" + i);
                cbor.writeNumberField("year", 1990 + random.nextInt(36));
                cbor.writeNumberField("score", random.nextDouble());
                cbor.writeArrayFieldStart("tags");
                cbor.writeString("search");
                cbor.writeString("storage");
                cbor.writeEndArray();
                cbor.flush();
                StringBuilder text = new StringBuilder();
                while (out.size() + text.length() + 16 < bytes) {
                    text.append((char) ('a' + random.nextInt(26)));
                }
                cbor.writeStringField("description", text.toString());
                cbor.writeEndObject();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            documents[i] = out.toByteArray();
        }
        return documents;
    }

    static int intProperty(String name, int fallback) {
        return Integer.getInteger(name, fallback);
    }

    /**
     * Stores {@code ids[i] -> vectors[i]} in the database (direct API, batches of 1,000, then one
     * commit) and in {@code map}, so both sides of a benchmark start from the same data.
     */
    static void load(VectorStore store, String database, String[] ids, float[][] vectors, Map<String, float[]> map)
            throws IOException {
        List<Mutation> batch = new ArrayList<>();
        for (int i = 0; i < ids.length; i++) {
            batch.add(Mutation.store(ids[i], vectors[i], i));
            map.put(ids[i], vectors[i]);
            if (batch.size() == 1000 || i == ids.length - 1) {
                store.apply(database, SourcePartition.LOCAL, batch);
                batch.clear();
            }
        }
        store.database(database).orElseThrow().commit();
    }

    /** A fresh, empty scratch directory. */
    static Path scratch(String name) throws IOException {
        Path root = Paths.get(System.getProperty("bench.dataDir", "target/engine-data"));
        Path dir = root.resolve(name + "-" + ProcessHandle.current().pid());
        delete(dir);
        Files.createDirectories(dir);
        return dir;
    }

    /** Copies a store directory as a power loss would find it, lock files left out (a writer may hold them). */
    static void copyAsCrashImage(Path from, Path to) throws IOException {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path p : files.toList()) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else if (!p.getFileName().toString().endsWith(".lock")) {
                    Files.copy(p, target, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }

    static void delete(Path dir) throws IOException {
        if (dir == null || !Files.exists(dir)) {
            return;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
