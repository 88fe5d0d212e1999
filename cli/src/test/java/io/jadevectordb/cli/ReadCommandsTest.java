package io.jadevectordb.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.jadevectordb.engine.Mutation;
import io.jadevectordb.engine.VectorStore;

/** ls, stats, get, dump and export against a real store. */
class ReadCommandsTest {

    private static final Pattern LINE = Pattern.compile("\\{\"id\":\"([^\"]*)\",\"vector\":\\[([^\\]]*)\\]\\}");

    @TempDir
    Path root;

    /** Parses JSON Lines of this exact shape; the floats as a JSON reader in a float32 world would. */
    static Map<String, float[]> parse(String jsonLines) {
        Map<String, float[]> vectors = new HashMap<>();
        for (String line : jsonLines.split("\n")) {
            if (line.isEmpty()) {
                continue;
            }
            Matcher m = LINE.matcher(line);
            assertThat(m.matches()).as(line).isTrue();
            String[] parts = m.group(2).split(",");
            float[] v = new float[parts.length];
            for (int i = 0; i < parts.length; i++) {
                v[i] = (float) Double.parseDouble(parts[i]);
            }
            assertThat(vectors.put(m.group(1), v)).as("duplicate id " + m.group(1)).isNull();
        }
        return vectors;
    }

    static void assertBitExact(Map<String, float[]> actual, Map<String, float[]> expected) {
        assertThat(actual.keySet()).containsExactlyInAnyOrderElementsOf(expected.keySet());
        expected.forEach((id, v) -> {
            float[] got = actual.get(id);
            assertThat(got).hasSameSizeAs(v);
            for (int i = 0; i < v.length; i++) {
                assertThat(Float.floatToRawIntBits(got[i])).as(id + "[" + i + "]").isEqualTo(Float.floatToRawIntBits(v[i]));
            }
        });
    }

    private static List<Path> tree(Path dir) throws Exception {
        try (Stream<Path> files = Files.walk(dir)) {
            return files.sorted().toList();
        }
    }

    @Test
    void lsListsDatabasesWithTheirDimensionAndShards() throws Exception {
        TestStore.write(root, "articles", 8, 30, 1);
        TestStore.write(root, "notes", 3, 5, 2);
        Cli.Run run = Cli.run(root, "ls");
        assertThat(run.code()).isZero();
        assertThat(run.lines()).hasSize(6);
        assertThat(run.lines().get(0)).isEqualTo("articles  dimension 8  2 shards");
        assertThat(run.lines().get(1)).contains("articles/vectors-0.jvdb").contains("KiB");
        assertThat(run.lines().get(2)).contains("articles/vectors-1.jvdb");
        assertThat(run.lines().get(3)).isEqualTo("notes  dimension 3  2 shards");
    }

    @Test
    void statsShowsCountsSizesCheckpointOffsetsAndCleanState() throws Exception {
        TestStore.write(root, "articles", 8, 30, 1);
        Cli.Run run = Cli.run(root, "stats", "articles");
        assertThat(run.code()).isZero();
        // ids 0..29: every third (0, 3, ..., 27) deleted: 10 deleted, 20 live; even ids on partition 0.
        assertThat(run.lines().get(0)).startsWith("database articles: dimension 8, 20 live, 10 deleted, 2 shards, ");
        assertThat(run.lines().get(1).split("\\s+")).containsExactly("", "SHARD", "LIVE", "DELETED", "LOG", "GARBAGE", "INDEX",
                "FILE", "CHECKPOINT", "GENERATION", "STATE");
        // Per shard: 15 STOREs of 64 bytes and 5 tombstones of 32 after the 4 KiB header page; the 5 deleted STOREs are garbage.
        assertThat(run.lines().get(2).split("\\s+")).startsWith("", "vectors-0.jvdb", "10", "5", "5.1", "KiB", "320", "B", "64")
                .contains("60", "clean");
        assertThat(run.lines().get(3).split("\\s+")).startsWith("", "vectors-1.jvdb", "10", "5", "5.1", "KiB", "320", "B", "64")
                .contains("61", "clean");
    }

    @Test
    void statsAsJsonPrintsOneObjectPerShard() throws Exception {
        TestStore.write(root, "articles", 8, 30, 1);
        Cli.Run run = Cli.run(root, "stats", "--json");
        assertThat(run.code()).isZero();
        long size = Files.size(root.resolve("articles/vectors-1.jvdb"));
        assertThat(run.lines()).hasSize(2);
        assertThat(run.lines().get(1)).matches(Pattern.quote("{\"database\":\"articles\",\"dimension\":8,\"shard\":\"vectors-1.jvdb\","
                + "\"live\":10,\"deleted\":5,\"logBytes\":5216,\"garbageBytes\":320,\"indexCapacity\":64,\"fileBytes\":" + size
                + ",\"checkpointOffset\":61,\"generation\":") + "[1-9][0-9]*" + Pattern.quote(",\"clean\":true,\"released\":false}"));
    }

    @Test
    void statsShowsAShardOpenByAWriterAsUncleanWithItsLastCommittedOffset() throws Exception {
        TestStore.write(root, "articles", 8, 30, 1);
        try (VectorStore writer = TestStore.open(root)) {
            writer.apply("articles", TestStore.P0, List.of(Mutation.store("new", new float[8], 100)));
            Cli.Run run = Cli.run(root, "stats");
            assertThat(run.code()).isZero();
            assertThat(run.lines().get(2)).contains("vectors-0.jvdb").endsWith("unclean").contains(" 60 ");
            assertThat(run.lines().get(3)).contains("vectors-1.jvdb").endsWith("clean");
        }
    }

    @Test
    void getPrintsOneJsonLineAndExitsOneForAnAbsentOrDeletedId() throws Exception {
        Map<String, float[]> live = TestStore.write(root, "articles", 8, 30, 1);
        Cli.Run found = Cli.run(root, "get", "articles", "id-7");
        assertThat(found.code()).isZero();
        assertBitExact(parse(found.out()), Map.of("id-7", live.get("id-7")));
        Cli.Run deleted = Cli.run(root, "get", "articles", "id-3");
        assertThat(deleted.code()).isEqualTo(ExitCodes.PROBLEM_FOUND);
        assertThat(deleted.out()).isEmpty();
        assertThat(deleted.err()).contains("id 'id-3' not found in database 'articles'");
    }

    @Test
    void dumpWritesEveryLiveVectorOfEveryShardBitExact() throws Exception {
        Map<String, float[]> live = TestStore.write(root, "articles", 8, 300, 1);
        float[] awkward = {Float.MIN_VALUE, -Float.MIN_VALUE, Float.MAX_VALUE, -0.0f, 0.1f, 1e-38f, 3.4028233e38f, 16777217f};
        try (VectorStore store = TestStore.open(root)) {
            store.apply("articles", TestStore.P0, List.of(Mutation.store("awkward \"floats\"", awkward, 1000)));
            store.commit(TestStore.P0, 1000);
        }
        live.put("awkward \\\"floats\\\"", awkward); // as the id appears, escaped, in the JSON text
        Cli.Run run = Cli.run(root, "dump", "articles");
        assertThat(run.code()).isZero();
        assertThat(run.err()).isEmpty();
        assertBitExact(parse(run.out().replace("\\\"", "\u0001")).entrySet().stream()
                .collect(HashMap::new, (m, e) -> m.put(e.getKey().replace("\u0001", "\\\""), e.getValue()), HashMap::putAll), live);
    }

    @Test
    void exportWritesTheFileWhenCompleteAndRefusesToReplaceItWithoutForce() throws Exception {
        Map<String, float[]> live = TestStore.write(root, "articles", 8, 100, 1);
        Path out = root.resolveSibling(root.getFileName() + "-export.jsonl");
        Cli.Run run = Cli.run(root, "export", "articles", "--out", out.toString());
        assertThat(run.code()).isZero();
        assertThat(run.out()).startsWith("exported " + live.size() + " vectors of database 'articles' to " + out);
        assertBitExact(parse(Files.readString(out, StandardCharsets.UTF_8)), live);
        assertThat(out.resolveSibling(out.getFileName() + ".tmp")).doesNotExist();

        Cli.Run again = Cli.run(root, "export", "articles", "--out", out.toString());
        assertThat(again.code()).isEqualTo(ExitCodes.USAGE);
        assertThat(again.err()).contains(out + ": add --force to replace it");
        assertThat(Cli.run(root, "export", "articles", "--out", out.toString(), "--force").code()).isZero();
        Files.delete(out);
    }

    @Test
    void readCommandsCreateNoFileInTheStore() throws Exception {
        TestStore.write(root, "articles", 8, 30, 1);
        List<Path> before = tree(root);
        for (String[] args : List.of(new String[] {"ls"}, new String[] {"stats"}, new String[] {"get", "articles", "id-1"},
                new String[] {"dump", "articles"}, new String[] {"verify"},
                new String[] {"search", "articles", "--vector", "1,0,0,0,0,0,0,0"})) {
            assertThat(Cli.run(root, args).code()).as(String.join(" ", args)).isZero();
        }
        assertThat(tree(root)).isEqualTo(before);
    }

    @Test
    void anUnknownDatabaseOrDataDirectoryExitsThreeNamingIt() throws Exception {
        TestStore.write(root, "articles", 8, 3, 1);
        Cli.Run db = Cli.run(root, "dump", "nope");
        assertThat(db.code()).isEqualTo(ExitCodes.NOT_FOUND);
        assertThat(db.err()).contains("database 'nope' does not exist in " + root);
        Cli.Run dir = Cli.run(root.resolve("missing"), "ls");
        assertThat(dir.code()).isEqualTo(ExitCodes.NOT_FOUND);
        assertThat(dir.err()).contains(root.resolve("missing").toString()).contains("--data-dir");
        assertThat(root.resolve("missing")).doesNotExist();
        Cli.Run bad = Cli.run(root, "get", "../etc", "x");
        assertThat(bad.code()).isEqualTo(ExitCodes.USAGE);
        assertThat(bad.err()).contains("database");
    }

    @Test
    void dumpSkipsAVectorWhoseChecksumFailsAndWarnsNamingTheDatabase() throws Exception {
        Map<String, float[]> live = TestStore.write(root, "articles", 8, 30, 1);
        Path shard = root.resolve("articles/vectors-1.jvdb");
        byte[] bytes = Files.readAllBytes(shard);
        bytes[4096 + 24 + 1] ^= 1; // a vector byte of the first record of partition 1: id-1's STORE
        Files.write(shard, bytes);
        live.remove("id-1");

        Cli.Run run = Cli.run(root, "dump", "articles");

        assertThat(run.code()).isZero();
        assertBitExact(parse(run.out()), live);
        assertThat(run.err()).contains("warning: skipped 1 entries of database 'articles'").contains("jvdb verify articles");
    }
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The JSON {@code jvdb} prints for {@link TestStore#metadataOf}(i), written out by hand from its definition. */
    private static String expectedMetadata(int i) {
        return "{\"title\":\"Title " + i + "\",\"lang\":\"" + TestStore.LANGS[i % 3] + "\",\"year\":" + (2000 + i % 20)
                + ",\"tags\":[\"t" + i % 4 + "\"],\"published\":\"" + Instant.parse("2024-01-01T00:00:00Z").plusSeconds(i * 3600L)
                + "\"}";
    }

    @Test
    void getPrintsTheMetadataAsJsonAfterTheVectorAndNothingForAVectorWithout() throws Exception {
        Map<String, float[]> live = TestStore.writeWithMetadata(root, "articles", 4, 30, 1);
        Cli.Run run = Cli.run(root, "get", "articles", "id-7");
        assertThat(run.code()).isZero();
        assertThat(run.out()).endsWith("],\"metadata\":{\"title\":\"Title 7\",\"lang\":\"fr\",\"year\":2007,"
                + "\"tags\":[\"t3\"],\"published\":\"2024-01-01T07:00:00Z\"}}\n");
        assertBitExact(parse(run.out().replaceFirst(",\"metadata\":.*}", "}")), Map.of("id-7", live.get("id-7")));

        Cli.Run without = Cli.run(root, "get", "articles", "id-10");
        assertThat(without.out()).doesNotContain("metadata");
        assertBitExact(parse(without.out()), Map.of("id-10", live.get("id-10")));
    }

    @Test
    void dumpAndExportCarryEveryVectorsMetadata() throws Exception {
        Map<String, float[]> live = TestStore.writeWithMetadata(root, "articles", 4, 60, 1);
        Cli.Run dump = Cli.run(root, "dump", "articles");
        assertThat(dump.code()).isZero();
        assertThat(dump.err()).isEmpty();
        Map<String, float[]> vectors = new HashMap<>();
        for (String line : dump.lines()) {
            JsonNode node = JSON.readTree(line);
            String id = node.get("id").textValue();
            int i = Integer.parseInt(id.substring(3));
            if (TestStore.metadataOf(i) == null) {
                assertThat(node.has("metadata")).as(id).isFalse();
            } else {
                assertThat(node.get("metadata").toString()).as(id).isEqualTo(expectedMetadata(i));
            }
            float[] v = new float[node.get("vector").size()];
            for (int d = 0; d < v.length; d++) {
                v[d] = Float.parseFloat(node.get("vector").get(d).asText());
            }
            vectors.put(id, v);
        }
        assertBitExact(vectors, live);

        Path out = root.resolveSibling(root.getFileName() + "-meta.jsonl");
        assertThat(Cli.run(root, "export", "articles", "--out", out.toString()).code()).isZero();
        assertThat(Files.readString(out, StandardCharsets.UTF_8)).isEqualTo(dump.out());
        Files.delete(out);
    }

    @Test
    void metadataThatIsNotCborIsKeptAsBase64WithAWarningNamingTheId() throws Exception {
        TestStore.write(root, "articles", 3, 3, 1);
        byte[] notCbor = {(byte) 0xa1, 0x61, 0x61}; // a map of one entry, cut after its key
        try (VectorStore store = TestStore.open(root)) {
            store.apply("articles", TestStore.P0, List.of(Mutation.store("odd", new float[] {1, 2, 3}, notCbor, 100)));
            store.commit(TestStore.P0, 100);
        }
        Cli.Run dump = Cli.run(root, "dump", "articles");
        assertThat(dump.code()).isZero();
        assertThat(dump.out()).contains("{\"id\":\"odd\",\"vector\":[1.0,2.0,3.0],\"metadataBase64\":\"oWFh\"}\n");
        assertThat(dump.err()).contains("the metadata of 1 vector(s) of database 'articles' is not well-formed CBOR")
                .contains("id 'odd'").contains("at byte offset 3");
        Cli.Run get = Cli.run(root, "get", "articles", "odd");
        assertThat(get.code()).isZero();
        assertThat(get.out()).contains("\"metadataBase64\":\"oWFh\"");
        assertThat(get.err()).contains("id 'odd'");
    }
}
