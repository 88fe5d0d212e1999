package io.jadevectordb.bench.engine;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.results.format.ResultFormatType;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

import io.jadevectordb.bench.Json;

/**
 * Runs the engine benchmarks one class at a time, writes each class's JMH JSON to
 * {@code <results>/engine-<name>.json}, then prints every figure next to its baseline with
 * the ratio ours / baseline (as rates: higher is better for us) and writes those rows to
 * {@code engine-summary.json}. Never fails on a figure.
 *
 * <p>Knobs (system properties): {@code bench.engine.include} (a regular expression on the
 * class names, default all), {@code bench.dimensions} (default 128,768,1536),
 * {@code bench.engine.vectors} (store size of the access and mutation benchmarks, default
 * 20,000), {@code bench.engine.openVectors} (default 100,000; 1,000,000 for the full case),
 * plus the common {@code bench.warmup}, {@code bench.iterations}, {@code bench.seconds},
 * {@code bench.forks}.
 */
public final class EngineBenchmarks {

    private static final List<Class<?>> ALL = List.of(DurableWriteBenchmark.class, AccessBenchmark.class,
            MutationBenchmark.class, CommitLatencyBenchmark.class, OpenBenchmark.class);

    /** benchmark|params -> score, and the unit. */
    private final Map<String, double[]> scores = new TreeMap<>();
    private final List<Map<String, Object>> summary = new ArrayList<>();

    private EngineBenchmarks() {
    }

    public static void run(Path results) throws RunnerException, IOException {
        new EngineBenchmarks().runAll(results);
    }

    private void runAll(Path results) throws RunnerException, IOException {
        String include = System.getProperty("bench.engine.include", ".*");
        String[] dimensions = System.getProperty("bench.dimensions", "128,768,1536").split(",");
        for (Class<?> type : ALL) {
            if (!type.getSimpleName().matches(".*(" + include + ").*")) {
                continue;
            }
            String name = type.getSimpleName().replace("Benchmark", "").toLowerCase(Locale.ROOT);
            Path json = results.resolve("engine-" + name + ".json");
            ChainedOptionsBuilder options = common().include(type.getName() + "\\.")
                    .result(json.toString()).resultFormat(ResultFormatType.JSON);
            if (type == DurableWriteBenchmark.class || type == AccessBenchmark.class || type == MutationBenchmark.class) {
                options.param("dimension", dimensions);
            }
            if (type == OpenBenchmark.class) {
                options.warmupIterations(1).measurementIterations(Integer.getInteger("bench.open.iterations", 3));
            }
            Collection<RunResult> runs = new Runner(options.build()).run();
            for (RunResult run : runs) {
                String method = run.getParams().getBenchmark().replaceAll(".*\\.", "");
                String key = method + paramsOf(run);
                scores.put(key, new double[] {run.getPrimaryResult().getScore(), run.getPrimaryResult().getScoreError()});
            }
            System.out.println("JMH results written to " + json.toAbsolutePath());
        }
        report(dimensions);
        Path summaryFile = results.resolve("engine-summary.json");
        Files.writeString(summaryFile, Json.write(summary));
        System.out.println("Ratios written to " + summaryFile.toAbsolutePath());
    }

    private static ChainedOptionsBuilder common() {
        TimeValue time = TimeValue.seconds(Long.getLong("bench.seconds", 1));
        List<String> jvm = new ArrayList<>(List.of("-Xmx2g", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn"));
        for (String p : List.of("bench.engine.vectors", "bench.engine.openVectors", "bench.dataDir")) {
            if (System.getProperty(p) != null) {
                jvm.add("-D" + p + "=" + System.getProperty(p));
            }
        }
        return new OptionsBuilder()
                .warmupIterations(Integer.getInteger("bench.warmup", 3)).warmupTime(time)
                .measurementIterations(Integer.getInteger("bench.iterations", 5)).measurementTime(time)
                .forks(Integer.getInteger("bench.forks", 1)).threads(1)
                .jvmArgsAppend(jvm.toArray(new String[0]));
    }

    private static String paramsOf(RunResult run) {
        StringBuilder s = new StringBuilder();
        for (String key : run.getParams().getParamsKeys()) {
            s.append('|').append(key).append('=').append(run.getParams().getParam(key));
        }
        return s.toString();
    }

    private void report(String[] dimensions) {
        int vectors = Integer.getInteger("bench.engine.vectors", 20_000);
        System.out.println();
        System.out.println("Engine figures, ours next to the baseline (ratio = ours / baseline as rates; > 1 is faster):");
        for (String d : dimensions) {
            String p = "|dimension=" + d;
            double bytes = 4.0 * Integer.parseInt(d.trim());
            rate("durable batch store + commit vs raw write + force", d, "vectors/s", bytes,
                    "storeBatchCommit" + p, "rawWriteForce" + p, 1, 1);
            rate("retrieve by id vs HashMap.get", d, "ops/s", 0, "retrieve" + p, "hashMapRetrieve" + p, 1, 1);
            rate("retrieve by id vs HashMap.get + copy", d, "ops/s", 0, "retrieve" + p, "hashMapRetrieveCopy" + p, 1, 1);
            rate("batch retrieve (100 ids) vs HashMap + copy", d, "ids/s", 0, "batchRetrieve" + p,
                    "hashMapBatchRetrieveCopy" + p, 1, 1);
            rate("store (upsert, not committed) vs HashMap.put", d, "ops/s", 0, "store" + p, "hashMapStore" + p, 1, 1);
            // Single-shot passes over every id: ms per pass -> ops/s.
            double perPass = vectors * 1000.0;
            rate("update in place vs HashMap copy into", d, "ops/s", 0, "updateInPlace" + p, "hashMapUpdate" + p, perPass, perPass);
            rate("soft delete vs HashMap.remove", d, "ops/s", 0, "softDelete" + p, "hashMapRemove" + p, perPass, perPass);
            rate("scan vs HashMap iteration + copy", d, "vectors/s", 0, "scan" + p, "hashMapScanCopy" + p, perPass, perPass);
        }
        for (String n : new String[] {"16", "256", "4096"}) {
            double[] off = scores.get("commit|flushMillis=0|vectorsPerCommit=" + n);
            double[] on = scores.get("commit|flushMillis=100|vectorsPerCommit=" + n);
            if (off != null && on != null) {
                double dirtyKb = Integer.parseInt(n) * (4.0 * CommitLatencyBenchmark.DIMENSION + 64) / 1024;
                System.out.printf("  commit latency, %s vectors (~%.0f KiB dirty): flusher off %.2f ms, on %.2f ms (on/off %.2fx)%n",
                        n, dirtyKb, off[0], on[0], on[0] / off[0]);
                row("commit latency (ms), flusher on vs off", "768", "ms", "vectorsPerCommit=" + n, on[0], off[0], on[0] / off[0]);
            }
        }
        double[] clean = scores.get("openClean");
        double[] crash = scores.get("openAfterCrash");
        double[] read = scores.get("readWholeFile");
        if (clean != null && crash != null && read != null) {
            System.out.printf("  open of a %,d-vector shard: clean %.1f ms, after unclean shutdown %.1f ms, "
                            + "reading the file once %.1f ms (recovery / read %.2fx)%n",
                    Integer.getInteger("bench.engine.openVectors", 100_000), clean[0], crash[0], read[0], crash[0] / read[0]);
            row("open after unclean shutdown vs one sequential read (ms)", "768", "ms", "", crash[0], read[0], crash[0] / read[0]);
            row("open clean (ms)", "768", "ms", "", clean[0], Double.NaN, Double.NaN);
        }
    }

    /**
     * Prints and records one comparison; {@code oursScale}/{@code baseScale} turn a score into
     * a rate (1 for throughput scores, ops*1000 for single-shot milliseconds, as 1/score).
     */
    private void rate(String what, String dimension, String unit, double bytesPer, String ours, String base,
                      double oursScale, double baseScale) {
        double[] o = scores.get(ours);
        double[] b = scores.get(base);
        if (o == null || b == null) {
            return;
        }
        double oursRate = oursScale == 1 ? o[0] : oursScale / o[0];
        double baseRate = baseScale == 1 ? b[0] : baseScale / b[0];
        String mb = bytesPer > 0 ? String.format(" (%.0f vs %.0f MB/s)", oursRate * bytesPer / 1e6, baseRate * bytesPer / 1e6) : "";
        System.out.printf("  d=%-5s %-48s %,14.0f vs %,14.0f %s  ratio %.2fx%s%n", dimension, what, oursRate, baseRate,
                unit, oursRate / baseRate, mb);
        row(what, dimension, unit, "", oursRate, baseRate, oursRate / baseRate);
    }

    private void row(String what, String dimension, String unit, String params, double ours, double baseline, double ratio) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("comparison", what);
        r.put("dimension", Integer.parseInt(dimension.trim()));
        if (!params.isEmpty()) {
            r.put("params", params);
        }
        r.put("unit", unit);
        r.put("ours", ours);
        r.put("baseline", baseline);
        r.put("ratio", ratio);
        summary.add(r);
    }
}
