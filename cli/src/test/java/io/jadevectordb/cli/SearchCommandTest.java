package io.jadevectordb.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.function.IntPredicate;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** search against a brute-force reference computed here in double precision. */
class SearchCommandTest {

    private static final long SEED = 20261125L;
    private static final int DIMENSION = 19; // not a multiple of 8: the unrolled loops' tails count too

    @TempDir
    Path root;

    /** The reference: every metric in double, higher is better. */
    private static double reference(Metric metric, float[] q, float[] v) {
        double dot = 0;
        double qq = 0;
        double vv = 0;
        double l2 = 0;
        for (int i = 0; i < q.length; i++) {
            dot += (double) q[i] * v[i];
            qq += (double) q[i] * q[i];
            vv += (double) v[i] * v[i];
            l2 += ((double) q[i] - v[i]) * ((double) q[i] - v[i]);
        }
        switch (metric) {
            case COSINE:
                return dot / Math.sqrt(qq * vv);
            case DOT:
                return dot;
            default:
                return -Math.sqrt(l2);
        }
    }

    private static String csv(float[] v) {
        List<String> parts = new ArrayList<>();
        for (float f : v) {
            parts.add(Float.toString(f));
        }
        return String.join(",", parts);
    }

    @ParameterizedTest
    @EnumSource(Metric.class)
    void returnsTheExactTopKOfEveryMetric(Metric metric) throws Exception {
        Map<String, float[]> live = TestStore.write(root, "articles", DIMENSION, 600, SEED);
        float[] query = TestStore.random(new Random(SEED + 1), DIMENSION);
        List<Map.Entry<String, Double>> expected = live.entrySet().stream()
                .map(e -> Map.entry(e.getKey(), reference(metric, query, e.getValue())))
                .sorted(Map.Entry.<String, Double>comparingByValue(Comparator.reverseOrder()))
                .limit(12).collect(Collectors.toList());

        Cli.Run run = Cli.run(root, "search", "articles", "--vector", csv(query), "--k", "12",
                "--metric", metric.name().toLowerCase(Locale.ROOT));

        assertThat(run.code()).as("seed %d: %s", SEED, run.err()).isZero();
        assertThat(run.lines().get(0).split("\\s+")).containsExactly("RANK", "ID", metric == Metric.L2 ? "DISTANCE" : "SCORE");
        List<String[]> rows = run.lines().subList(1, run.lines().size()).stream().map(l -> l.trim().split("\\s+")).toList();
        assertThat(rows).hasSize(12);
        for (int i = 0; i < 12; i++) {
            assertThat(rows.get(i)[0]).isEqualTo(Integer.toString(i + 1));
            assertThat(rows.get(i)[1]).as("seed %d, rank %d", SEED, i + 1).isEqualTo(expected.get(i).getKey());
            double shown = Double.parseDouble(rows.get(i)[2]);
            assertThat(shown).isCloseTo(metric.display(expected.get(i).getValue()), org.assertj.core.api.Assertions.within(1e-5));
        }
    }

    @Test
    void jsonOutputCarriesScoreAndTheVectorBitExact() throws Exception {
        Map<String, float[]> live = TestStore.write(root, "articles", DIMENSION, 50, SEED);
        String id = live.keySet().iterator().next();
        Cli.Run run = Cli.run(root, "search", "articles", "--vector", csv(live.get(id)), "--k", "1", "--metric", "l2", "--json");
        assertThat(run.code()).isZero();
        assertThat(run.out()).startsWith("{\"id\":\"" + id + "\",\"score\":0.0,\"vector\":[");
        ReadCommandsTest.assertBitExact(ReadCommandsTest.parse(run.out().replace(",\"score\":0.0", "")), Map.of(id, live.get(id)));
    }

    @Test
    void aQueryOfTheWrongDimensionOrMalformedIsAUsageError() throws Exception {
        TestStore.write(root, "articles", DIMENSION, 10, SEED);
        Cli.Run wrong = Cli.run(root, "search", "articles", "--vector", "1,2,3");
        assertThat(wrong.code()).isEqualTo(ExitCodes.USAGE);
        assertThat(wrong.err()).contains("--vector has 3 components but database 'articles' has dimension 19");
        Cli.Run malformed = Cli.run(root, "search", "articles", "--vector", "1,x,3");
        assertThat(malformed.code()).isEqualTo(ExitCodes.USAGE);
        assertThat(malformed.err()).contains("component 1 ('x') is not a number");
        Cli.Run metric = Cli.run(root, "search", "articles", "--vector", "1", "--metric", "hamming");
        assertThat(metric.code()).isEqualTo(ExitCodes.USAGE);
        assertThat(metric.err()).contains("hamming");
    }
    /** The ids whose metadata ({@link TestStore#metadataOf}) is lang "en" and year 2010 or later: what the filter selects. */
    private static final String EN_SINCE_2010 = "{\"must\":[{\"key\":\"lang\",\"match\":{\"value\":\"en\"}},"
            + "{\"key\":\"year\",\"range\":{\"gte\":2010}}]}";

    private static boolean enSince2010(int i) {
        return TestStore.metadataOf(i) != null && i % 3 == 0 && 2000 + i % 20 >= 2010;
    }

    private List<String> expectedIds(Map<String, float[]> live, float[] query, IntPredicate which, int k) {
        return live.entrySet().stream().filter(e -> which.test(Integer.parseInt(e.getKey().substring(3))))
                .map(e -> Map.entry(e.getKey(), reference(Metric.DOT, query, e.getValue())))
                .sorted(Map.Entry.<String, Double>comparingByValue(Comparator.reverseOrder()))
                .limit(k).map(Map.Entry::getKey).collect(Collectors.toList());
    }

    private static List<String> ids(Cli.Run run) {
        return run.lines().subList(1, run.lines().size()).stream().map(l -> l.trim().split("\\s+")[1]).toList();
    }

    @Test
    void aFilterScoresOnlyVectorsWhoseMetadataMatches() throws Exception {
        Map<String, float[]> live = TestStore.writeWithMetadata(root, "articles", DIMENSION, 600, SEED);
        float[] query = TestStore.random(new Random(SEED + 2), DIMENSION);
        List<String> expected = expectedIds(live, query, SearchCommandTest::enSince2010, 8);

        Cli.Run run = Cli.run(root, "search", "articles", "--vector", csv(query), "--k", "8", "--metric", "dot",
                "--filter", EN_SINCE_2010);

        assertThat(run.code()).as(run.err()).isZero();
        assertThat(ids(run)).as("seed %d", SEED).isEqualTo(expected);
        // Without the filter the best are others: the filter changed what was scored.
        assertThat(ids(Cli.run(root, "search", "articles", "--vector", csv(query), "--k", "8", "--metric", "dot")))
                .isNotEqualTo(expected);
    }

    @Test
    void aFilterOnTimestampsTakesIsoBounds() throws Exception {
        Map<String, float[]> live = TestStore.writeWithMetadata(root, "articles", DIMENSION, 100, SEED);
        float[] query = TestStore.random(new Random(SEED + 3), DIMENSION);
        // published is 2024-01-01T00:00:00Z plus i hours: [day 2 10:00, day 3) holds i in [34, 48).
        String filter = "{\"key\":\"published\",\"range\":{\"gte\":\"2024-01-02T10:00:00Z\",\"lt\":\"2024-01-03\"}}";
        Cli.Run run = Cli.run(root, "search", "articles", "--vector", csv(query), "--k", "100", "--metric", "dot",
                "--filter", filter);
        assertThat(run.code()).as(run.err()).isZero();
        assertThat(ids(run)).isEqualTo(expectedIds(live, query, i -> i % 10 != 0 && i >= 34 && i < 48, 100));
    }

    @Test
    void aFilterIsReadFromAFileWithItsWhitespaceAndJsonOutputCarriesTheMetadata() throws Exception {
        Map<String, float[]> live = TestStore.writeWithMetadata(root, "articles", DIMENSION, 200, SEED);
        float[] query = TestStore.random(new Random(SEED + 4), DIMENSION);
        Path file = root.resolveSibling(root.getFileName() + "-filter.json");
        // Spaces and newlines: picocli's own @-file expansion would have split this into words.
        Files.writeString(file, "{\n  \"must\": [\n    { \"key\": \"lang\", \"match\": { \"value\": \"en\" } },\n"
                + "    { \"key\": \"year\", \"range\": { \"gte\": 2010 } }\n  ]\n}\n", StandardCharsets.UTF_8);
        try {
            Cli.Run run = Cli.run(root, "search", "articles", "--vector", csv(query), "--k", "3", "--metric", "dot",
                    "--filter", "@" + file, "--json");
            assertThat(run.code()).as(run.err()).isZero();
            List<String> expected = expectedIds(live, query, SearchCommandTest::enSince2010, 3);
            assertThat(run.lines()).hasSize(3);
            for (int r = 0; r < 3; r++) {
                String id = expected.get(r);
                assertThat(run.lines().get(r)).startsWith("{\"id\":\"" + id + "\",\"score\":")
                        .contains("],\"metadata\":{\"title\":\"Title " + id.substring(3) + "\",\"lang\":\"en\",");
            }
        } finally {
            Files.delete(file);
        }
    }

    @Test
    void aWrongFilterIsAUsageErrorNamingThePlaceAndTheFix() throws Exception {
        TestStore.writeWithMetadata(root, "articles", DIMENSION, 10, SEED);
        String query = csv(new float[DIMENSION]).replace("0.0,", "1.0,");
        Cli.Run bound = Cli.run(root, "search", "articles", "--vector", query, "--filter",
                "{\"must\":[{\"key\":\"year\",\"range\":{\"gte\":\"abc\"}}]}");
        assertThat(bound.code()).isEqualTo(ExitCodes.USAGE);
        assertThat(bound.out()).isEmpty();
        assertThat(bound.err()).contains("jvdb search: invalid filter: must[0].range.gte: \"abc\" is not a number or ISO-8601 "
                + "timestamp; use a number, a timestamp such as");
        Cli.Run json = Cli.run(root, "search", "articles", "--vector", query, "--filter", "{must:[]}");
        assertThat(json.code()).isEqualTo(ExitCodes.USAGE);
        assertThat(json.err()).contains("invalid filter: not valid JSON");
        Path missing = root.resolveSibling("no-such-filter.json");
        Cli.Run file = Cli.run(root, "search", "articles", "--vector", query, "--filter", "@" + missing);
        assertThat(file.code()).isEqualTo(ExitCodes.USAGE);
        assertThat(file.err()).contains("--filter @" + missing + ": no such file");
    }
}
