package io.jadevectordb.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Collection;
import java.util.Map;
import java.util.TreeMap;

import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.results.format.ResultFormatType;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

import io.jadevectordb.bench.e2e.PipelineBenchmark;
import io.jadevectordb.bench.engine.EngineBenchmarks;
import io.jadevectordb.bench.engine.EngineScaleRun;
import io.jadevectordb.bench.engine.GrowthRun;
import io.jadevectordb.bench.engine.SpaceAmplificationRun;
import io.jadevectordb.testkit.ApicurioRegistry;

/**
 * Entry point of {@code mvn -Pbench verify}: runs the suites named by {@code bench.suite}
 * (comma-separated: {@code converter}, the default, {@code engine} ({@link
 * io.jadevectordb.bench.engine.EngineBenchmarks}), {@code e2e} ({@link
 * io.jadevectordb.bench.e2e.PipelineBenchmark})).
 *
 * <p>The converter suite: runs the converter benchmarks with the iteration counts given as system properties
 * ({@code bench.warmup}, {@code bench.iterations}, {@code bench.seconds}, {@code bench.forks},
 * {@code bench.include}), prints the figures and the fast-path-to-general ratios, and writes
 * JMH's JSON to {@code bench.results}/converter.json. It never fails on a figure. One Apicurio
 * Registry is started here, before the forks, so its startup never overlaps a measurement.
 */
public final class BenchmarkMain {

    private BenchmarkMain() {
    }

    /**
     * @param args unused; configuration is by system property
     */
    public static void main(String[] args) throws Exception {
        Path results = Paths.get(System.getProperty("bench.results", "results"));
        Files.createDirectories(results);
        for (String suite : System.getProperty("bench.suite", "converter").split(",")) {
            switch (suite.trim()) {
                case "converter" -> {
                    try (ApicurioRegistry registry = ApicurioRegistry.start()) {
                        run(results.resolve("converter.json"), registry.baseUrl());
                    }
                }
                case "engine" -> EngineBenchmarks.run(results);
                case "engine-scale" -> EngineScaleRun.run(results);
                case "engine-space" -> SpaceAmplificationRun.run(results);
                case "engine-growth" -> GrowthRun.run(results);
                case "e2e" -> PipelineBenchmark.run(results);
                default -> throw new IllegalArgumentException("bench.suite: unknown suite '" + suite
                        + "'; use converter, engine, engine-scale, engine-space, engine-growth or e2e (comma-separated)");
            }
        }
    }

    private static void run(Path json, String registryUrl) throws RunnerException {
        TimeValue time = TimeValue.seconds(Long.getLong("bench.seconds", 1));
        Options options = new OptionsBuilder()
                .include(ConverterBenchmark.class.getName() + "." + System.getProperty("bench.include", ".*"))
                .warmupIterations(Integer.getInteger("bench.warmup", 3))
                .warmupTime(time)
                .measurementIterations(Integer.getInteger("bench.iterations", 5))
                .measurementTime(time)
                .forks(Integer.getInteger("bench.forks", 1))
                .threads(1)
                .jvmArgsAppend("-Xmx1g",
                        "-Dbench.registry.url=" + registryUrl,
                        "-Dapicurio.registry.home=" + System.getProperty("apicurio.registry.home", "target/apicurio-registry"),
                        "-Djadevectordb.schemas.dir=" + System.getProperty("jadevectordb.schemas.dir", "../schemas"),
                        "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn")
                .resultFormat(ResultFormatType.JSON)
                .result(json.toString())
                .build();
        Collection<RunResult> runs = new Runner(options).run();

        Map<String, Double> score = new TreeMap<>();
        System.out.println();
        System.out.println("Converter throughput, one thread (records/s):");
        for (RunResult run : runs) {
            String name = run.getParams().getBenchmark().replaceAll(".*\\.", "");
            double value = run.getPrimaryResult().getScore();
            score.put(name, value);
            System.out.printf("  %-28s %,12.0f  ± %,.0f  (dimension %s)%n", name, value,
                    run.getPrimaryResult().getScoreError(), run.getParams().getParam("dimension"));
        }
        ratio(score, "fastPathFloatArray", "apicurioFloatArray");
        ratio(score, "fastPathFloatArrayToFloats", "apicurioFloatArrayToFloats");
        ratio(score, "fastPathBytes", "apicurioBytes");
        ratio(score, "fastPathFloatArray", "apicurioBytes");
        ratio(score, "avroGenericReaderFloatArray", "apicurioFloatArray");
        ratio(score, "avroResolvingDecoderNoBoxing", "apicurioFloatArray");
        ratio(score, "fastPathFloatArray", "avroResolvingDecoderNoBoxing");
        System.out.println("JMH results written to " + json.toAbsolutePath());
    }

    private static void ratio(Map<String, Double> score, String fast, String general) {
        if (score.containsKey(fast) && score.containsKey(general)) {
            System.out.printf("  %s / %s = %.2fx%n", fast, general, score.get(fast) / score.get(general));
        }
    }
}
