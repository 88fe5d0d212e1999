package io.jadevectordb.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
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
}
