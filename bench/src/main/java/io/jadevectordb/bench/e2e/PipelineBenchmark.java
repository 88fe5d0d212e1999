package io.jadevectordb.bench.e2e;

import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.management.MemoryUsage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

import io.jadevectordb.bench.Json;
import io.jadevectordb.bench.e2e.noop.NoopSinkConnector;
import io.jadevectordb.bench.e2e.noop.NoopSinkTask;
import io.jadevectordb.engine.StoreReader;
import io.jadevectordb.engine.StoredVector;
import io.jadevectordb.testkit.ApicurioRegistry;
import io.jadevectordb.testkit.LocalKafkaBroker;
import io.jadevectordb.testkit.PipelineConfig;
import io.jadevectordb.testkit.SampleMetadata;

/**
 * The whole pipeline on loopback, every configuration over the same topic and the same records
 * in one run: a KRaft broker, Apicurio Registry and one distributed Connect worker (each its own
 * process on 127.0.0.1), one topic of {@code bench.e2e.records} (default 100,000) Avro
 * vector mutations of {@code bench.e2e.dimension} (768) floats, one partition, one task. Then,
 * one after the other on the same worker:
 * <ol>
 *   <li>{@code noop}: a do-nothing sink with {@code ByteArrayConverter}, the Connect ceiling;</li>
 *   <li>{@code struct-noop}: the same do-nothing sink behind Apicurio's {@code AvroConverter}, the
 *   general path's ceiling and the baseline of {@code struct} (its {@code ratio_to_baseline} and own CPU);</li>
 *   <li>{@code struct}: our sink fed Structs by Apicurio's {@code AvroConverter} (the general path);</li>
 *   <li>{@code fastpath}: our sink with {@code VectorMutationAvroConverter};</li>
 *   <li>{@code fastpath-meta}: the same with about 1 KiB of metadata per record, from a second topic
 *   of the same vectors written with the shipped schema plus the fields of a richer document
 *   ({@link SampleMetadata.Mode#KIB}), all kept as metadata;</li>
 *   <li>{@code consumer}: a plain {@code KafkaConsumer} in the harness reading the topic;</li>
 *   <li>{@code writefloor}: the shards' bytes written alone, as a log is ({@link WriteFloor}): the CPU no
 *   storing sink can avoid; rows then report their own CPU above it;</li>
 *   <li>{@code rebuild}: a partition rebuilt by replay, as on a worker it moved to or after its
 *   local state was lost: the fast-path sink loads the topic (not measured), is stopped, its
 *   {@code data.dir} emptied, and resumed; the replay from the earliest offset is measured (not
 *   quite the same thing as {@code fastpath} on a fresh connector: here the consumer group has
 *   committed offsets at the end and the task seeks back, as a moved partition does).</li>
 * </ol>
 * Throughput is measured from the first record the task received to the last (read from
 * Connect's {@code sink-record-send-total} over JMX every 50 ms), so worker and group start-up
 * are left out. Also reported: the ratio to {@code noop}, the commit stall share (our
 * {@code commit-latency-avg-ms} times Connect's commit count, over the wall time), the worker's
 * peak heap. Writes {@code e2e.json} and {@code e2e.svg} to the results directory (another
 * base name with {@code bench.e2e.name}, e.g. for a 1,000,000-record run kept beside the default one).
 */
public final class PipelineBenchmark {

    private static final String TOPIC = "vectors";
    /** The same records with about 1 KiB of metadata each, for {@code fastpath-meta}. */
    private static final String META_TOPIC = "vectors-meta";

    private final int records;
    private int dimension;
    private final Path work;
    private final Path repo;
    private long valueBytes;
    private BenchRecords.Produced withMetadata;

    private PipelineBenchmark() {
        records = Integer.getInteger("bench.e2e.records", 100_000);
        dimension = Integer.getInteger("bench.e2e.dimension", 768);
        work = Paths.get(System.getProperty("bench.dataDir", "target/bench-data")).toAbsolutePath().resolve("e2e");
        repo = Paths.get(System.getProperty("jvdb.repo", "..")).toAbsolutePath().normalize();
    }

    public static void run(Path results) throws Exception {
        new PipelineBenchmark().runAll(results);
    }

    /**
     * Every configuration at each dimension of {@code bench.e2e.dimensions} (e.g. 128,768,1536) in
     * turn, each on its own fresh broker, registry and worker; one JSON with a run per dimension.
     * Without the list, the one dimension of {@code bench.e2e.dimension} and the JSON as before.
     */
    private void runAll(Path results) throws Exception {
        String list = System.getProperty("bench.e2e.dimensions", "").trim();
        String file = System.getProperty("bench.e2e.name", "e2e");
        Files.createDirectories(results);
        if (list.isEmpty()) {
            Map<String, Object> out = runDimension(results);
            Files.writeString(results.resolve(file + ".json"), Json.write(out));
            System.out.println("Written " + results.resolve(file + ".json").toAbsolutePath() + " and " + file + ".svg");
            return;
        }
        List<Map<String, Object>> runs = new ArrayList<>();
        List<Integer> dims = new ArrayList<>();
        for (String d : list.split(",")) {
            dimension = Integer.parseInt(d.trim());
            dims.add(dimension);
            runs.add(runDimension(results));
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("dimensions", dims);
            out.put("runs", runs);
            // Written after every dimension, so that a long run interrupted keeps what it measured.
            Files.writeString(results.resolve(file + ".json"), Json.write(out));
        }
        System.out.println();
        System.out.println("Sink's own worker CPU per record (ours minus its do-nothing baseline of the same run), by dimension:");
        for (Map<String, Object> run : runs) {
            for (Object o : (List<?>) run.get("results")) {
                Map<?, ?> row = (Map<?, ?>) o;
                if (row.get("sink_own_cpu_us_per_record") != null) {
                    System.out.printf("  %5d-d %-13s %,10.0f records/s %6.2fx  own CPU %5.1f us/record%n", run.get("dimension"),
                            row.get("configuration"), (double) row.get("records_per_s"), (double) row.get("ratio_to_noop"),
                            (double) row.get("sink_own_cpu_us_per_record"));
                }
            }
        }
        System.out.println("Written " + results.resolve(file + ".json").toAbsolutePath() + " and one svg per dimension");
    }

    /** Every configuration at {@link #dimension}: the run's JSON object (its chart is written beside it). */
    private Map<String, Object> runDimension(Path results) throws Exception {
        List<String> configs = List.of(System.getProperty("bench.e2e.configs",
                "noop,struct,fastpath,fastpath-meta,rebuild,consumer,scale").split(","));
        deleteTree(work);
        Files.createDirectories(work);
        if (System.getProperty("apicurio.registry.home") == null) {
            System.setProperty("apicurio.registry.home", repo.resolve("connector/target/apicurio-registry").toString());
        }
        System.out.printf("End-to-end: %,d records of %d floats, one partition, one task; configurations %s%n", records,
                dimension, configs);
        List<Map<String, Object>> rows = new ArrayList<>();
        Map<String, Object> scale = null;
        try (LocalKafkaBroker broker = LocalKafkaBroker.start(work.resolve("kafka"));
             ApicurioRegistry registry = ApicurioRegistry.start()) {
            broker.createTopic(TOPIC, 1);
            valueBytes = BenchRecords.produce(repo, broker.bootstrapServers(), registry, TOPIC, records, dimension, 0,
                    SampleMetadata.Mode.NONE).valueBytes();
            if (configs.stream().anyMatch(c -> c.trim().equals("fastpath-meta"))) {
                broker.createTopic(META_TOPIC, 1);
                withMetadata = BenchRecords.produce(repo, broker.bootstrapServers(), registry, META_TOPIC, records, dimension, 0,
                        SampleMetadata.Mode.KIB);
            }
            Path plugins = pluginPath();
            String heap = System.getProperty("bench.e2e.workerHeap", "768m");
            Map<String, String> overrides = Map.of("offset.flush.interval.ms", System.getProperty("bench.e2e.commitMs", "2000"));
            try (BenchWorker worker = BenchWorker.start(work.resolve("connect"), broker.bootstrapServers(), plugins, heap, overrides)) {
                if (Boolean.parseBoolean(System.getProperty("bench.e2e.warmup", "true"))) {
                    // One unmeasured pass so that the first measured configuration does not pay for the
                    // worker's JIT warm-up and a cold page cache alone. With bench.e2e.warmupConfigs=noop,fastpath
                    // the sink's own code is compiled before it is measured too (steady state, as in a
                    // long-running worker); the shipped default warms the do-nothing sink only.
                    for (String w : System.getProperty("bench.e2e.warmupConfigs", "noop").split(",")) {
                        warmUp(worker, registry, w.trim());
                    }
                }
                for (String config : configs) {
                    String c = config.trim();
                    if (c.equals("scale")) {
                        continue;
                    }
                    Map<String, Object> row = c.equals("consumer") ? rawConsumer(broker.bootstrapServers())
                            : c.equals("writefloor") ? WriteFloor.run(work, records, dimension,
                                    Long.parseLong(System.getProperty("bench.e2e.commitMs", "2000")))
                            : c.equals("rebuild") ? rebuild(worker, registry)
                            : runConnector(worker, "bench-" + c, c, connectorConfig(c, registry));
                    row.put("worker_heap_max_mb", c.equals("consumer") || c.equals("writefloor") ? null : heapMb(heap));
                    rows.add(row);
                }
            }
            if (configs.contains("scale")) {
                scale = scale(broker, registry, plugins);
            }
        }
        Map<String, Object> noop = rows.stream().filter(r -> r.get("configuration").equals("noop")).findFirst().orElse(null);
        System.out.println();
        System.out.printf("End-to-end throughput, %,d records x %d floats (%.1f MB of values), one task:%n", records, dimension,
                valueBytes / 1e6);
        System.out.printf("  %-13s %12s %9s %9s %9s %9s %6s %9s %12s %12s %10s%n", "config", "records/s", "MB/s", "vs noop",
                "vs base", "CPU/rec", "cores", "own CPU", "commit stall", "commit avg", "heap peak");
        for (Map<String, Object> row : rows) {
            double rate = (double) row.get("records_per_s");
            Double ratio = noop == null ? null : rate / (double) noop.get("records_per_s");
            row.put("ratio_to_noop", ratio);
            Map<String, Object> base = baselineOf(row, rows);
            Double baseRatio = base == null || base == row ? null : rate / (double) base.get("records_per_s");
            row.put("baseline", base == null || base == row ? null : base.get("configuration"));
            row.put("ratio_to_baseline", baseRatio);
            Double own = ownCpu(row, base);
            row.put("sink_own_cpu_us_per_record", own);
            row.put("sink_own_cpu_baseline", own == null ? null : base.get("configuration"));
            Object floor = rows.stream().filter(r -> r.get("configuration").equals("writefloor")).findFirst()
                    .map(r -> r.get("floor_cpu_us_per_record")).orElse(null);
            // What the sink's code costs beyond writing its bytes (the write floor of the same run).
            row.put("sink_own_cpu_above_write_floor_us_per_record", own == null || floor == null ? null : own - (double) floor);
            System.out.printf("  %-13s %,12.0f %9.1f %8.2fx %8.2fx %9s %6s %9s %11s %11s %10s%n", row.get("configuration"), rate,
                    (double) row.get("mb_per_s"), ratio == null ? Double.NaN : ratio, baseRatio == null ? Double.NaN : baseRatio,
                    row.get("worker_cpu_us_per_record") == null ? "-"
                            : String.format("%.1f us", (double) row.get("worker_cpu_us_per_record")),
                    row.get("worker_cores_busy") == null ? "-" : String.format("%.2f", (double) row.get("worker_cores_busy")),
                    own == null ? "-" : String.format("%.1f us", own),
                    row.get("commit_stall_share") == null ? "-" : String.format("%.1f %%", 100 * (double) row.get("commit_stall_share")),
                    row.get("commit_latency_avg_ms") == null ? "-" : String.format("%.1f ms", (double) row.get("commit_latency_avg_ms")),
                    row.get("heap_peak_mb") == null ? "-" : String.format("%.0f MB", (double) row.get("heap_peak_mb")));
        }
        for (Map<String, Object> row : rows) {
            Object above = row.get("sink_own_cpu_above_write_floor_us_per_record");
            if (above != null) {
                System.out.printf("  %-13s own CPU above the write floor: %.1f us/record%n", row.get("configuration"), (double) above);
            }
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("records", records);
        out.put("dimension", dimension);
        out.put("value_bytes_total", valueBytes);
        out.put("partitions", 1);
        out.put("tasks", 1);
        out.put("warmup_pass", Boolean.parseBoolean(System.getProperty("bench.e2e.warmup", "true")));
        out.put("warmup_configs", System.getProperty("bench.e2e.warmupConfigs", "noop"));
        out.put("measure_from_fraction", Double.parseDouble(System.getProperty("bench.e2e.measureFrom", "0")));
        out.put("offset_flush_interval_ms", Integer.parseInt(System.getProperty("bench.e2e.commitMs", "2000")));
        out.put("sink_overrides", System.getProperty("bench.e2e.sinkOverrides", ""));
        out.put("machine", Machine.describe());
        out.put("results", rows);
        if (scale != null) {
            out.put("scale", scale);
        }
        String file = System.getProperty("bench.e2e.name", "e2e")
                + (System.getProperty("bench.e2e.dimensions", "").isBlank() ? "" : "-" + dimension);
        if (!rows.isEmpty()) {
            Files.writeString(results.resolve(file + ".svg"), Chart.bars("End to end: " + String.format("%,d", records) + " records x "
                + dimension + " floats, one task (records/s; ratio to the do-nothing sink)", rows));
        }
        return out;
    }

    /** A profile's file name: the run, the configuration, the dimension and the event. */
    private String profileBase(String config) {
        return System.getProperty("bench.e2e.name", "e2e") + "-" + config + "-" + dimension + "-"
                + System.getProperty("bench.e2e.profile", "").trim();
    }

    /**
     * The sink's own worker CPU per record: this configuration's minus the do-nothing sink's of the
     * same run (same topic, same worker, same converter for the bytes Connect hands over). Null for
     * the baseline itself and for the harness-side consumer, which has no worker CPU.
     */
    private static Double ownCpu(Map<String, Object> row, Map<String, Object> base) {
        Object cpu = row.get("worker_cpu_us_per_record");
        if (base == null || cpu == null || row == base || isNoop((String) row.get("configuration"))) {
            return null;
        }
        return (double) cpu - (double) base.get("worker_cpu_us_per_record");
    }

    private static double heapMb(String heap) {
        String h = heap.toLowerCase();
        double n = Double.parseDouble(h.replaceAll("[^0-9.]", ""));
        return h.endsWith("g") ? n * 1024 : h.endsWith("k") ? n / 1024 : n;
    }

    /** The bounded scale run on its own small-heap worker (see {@link ScaleRun}). */
    private Map<String, Object> scale(LocalKafkaBroker broker, ApicurioRegistry registry, Path plugins) throws Exception {
        int databases = Integer.getInteger("bench.scale.databases", 1000);
        long count = Long.getLong("bench.scale.records", 10_000);
        int dim = Integer.getInteger("bench.scale.dimension", 128);
        broker.createTopic("scale", 1);
        BenchRecords.produce(repo, broker.bootstrapServers(), registry, "scale", count, dim, databases, SampleMetadata.Mode.NONE);
        Map<String, String> c = connectorConfig("fastpath", registry);
        c.put("topics", "scale");
        c.put("data.dir", work.resolve("data-scale").toString());
        c.put("database.field", "database");
        c.put("max.open.shards", System.getProperty("bench.scale.maxOpenShards", "100"));
        String heap = System.getProperty("bench.scale.workerHeap", "256m");
        try (BenchWorker worker = BenchWorker.start(work.resolve("connect-scale"), broker.bootstrapServers(), plugins, heap,
                Map.of("offset.flush.interval.ms", System.getProperty("bench.e2e.commitMs", "2000"),
                        "group.id", "jvdb-bench-scale", "config.storage.topic", "_bench-scale-configs",
                        "offset.storage.topic", "_bench-scale-offsets", "status.storage.topic", "_bench-scale-status"))) {
            return ScaleRun.run(worker, "bench-scale", c, count, databases);
        }
    }

    private Map<String, String> connectorConfig(String config, ApicurioRegistry registry) throws IOException {
        if (isNoop(config)) {
            Map<String, String> c = new LinkedHashMap<>();
            c.put("connector.class", "io.jadevectordb.bench.e2e.noop.NoopSinkConnector");
            c.put("key.converter", "org.apache.kafka.connect.converters.ByteArrayConverter");
            c.put("value.converter", "org.apache.kafka.connect.converters.ByteArrayConverter");
            c.put("tasks.max", "1");
            c.put("topics", TOPIC);
            if (config.equals("struct-noop")) {
                // The do-nothing sink behind the general path's converter: the baseline of `struct`.
                apicurioConverter(c, registry);
            }
            return c;
        }
        // -Dbench.e2e.sinkOverrides=key=value,key=value: our sink's settings on top of the shipped ones.
        Map<String, String> overrides = new LinkedHashMap<>();
        for (String kv : System.getProperty("bench.e2e.sinkOverrides", "").split(",")) {
            if (kv.contains("=")) {
                overrides.put(kv.substring(0, kv.indexOf('=')).trim(), kv.substring(kv.indexOf('=') + 1).trim());
            }
        }
        Map<String, String> c = PipelineConfig.sinkConnector(repo.resolve("config/jadevectordb-sink.json"), overrides, List.of(TOPIC),
                1, work.resolve("data-" + config), registry.confluentApiUrl());
        if (config.equals("struct")) {
            c.remove("value.converter.schema.registry.url");
            apicurioConverter(c, registry);
        } else if (config.equals("fastpath-meta")) {
            // The fast path as shipped (metadata.fields=all keeps every extra field), on the topic with metadata.
            c.put("topics", META_TOPIC);
        } else if (!config.equals("fastpath") && !config.equals("rebuild")) {
            throw new IllegalArgumentException("bench.e2e.configs: unknown configuration '" + config
                    + "'; use noop, struct-noop, struct, fastpath, fastpath-meta, consumer, writefloor, rebuild, scale");
        }
        return c;
    }

    /** Apicurio's AvroConverter reading the Confluent wire format the topic holds. */
    private static void apicurioConverter(Map<String, String> c, ApicurioRegistry registry) {
        c.put("value.converter", "io.apicurio.registry.utils.converter.AvroConverter");
        c.put("value.converter.apicurio.registry.url", registry.registryV2Url());
        c.put("value.converter.apicurio.registry.as-confluent", "true");
        c.put("value.converter.apicurio.registry.use-id", "contentId");
        c.put("value.converter.apicurio.registry.headers.enabled", "false");
    }

    /** The do-nothing sinks: {@code noop} (bytes) and {@code struct-noop} (behind Apicurio's converter). */
    private static boolean isNoop(String config) {
        return config.equals("noop") || config.equals("struct-noop");
    }

    /**
     * The do-nothing sink a configuration is measured against: {@code struct-noop} for
     * {@code struct} when it ran (same converter, so the converter's cost is not charged to the
     * sink), else {@code noop}.
     */
    private static Map<String, Object> baselineOf(Map<String, Object> row, List<Map<String, Object>> rows) {
        String wanted = row.get("configuration").equals("struct") ? "struct-noop" : "noop";
        return rows.stream().filter(r -> r.get("configuration").equals(wanted)).findFirst()
                .orElseGet(() -> rows.stream().filter(r -> r.get("configuration").equals("noop")).findFirst().orElse(null));
    }

    private Map<String, Object> runConnector(BenchWorker worker, String name, String config, Map<String, String> connectorConfig)
            throws Exception {
        worker.gc();
        String event = System.getProperty("bench.e2e.profile", "").trim();
        boolean profile = !event.isEmpty()
                && List.of(System.getProperty("bench.e2e.profileConfigs", "fastpath").split(",")).stream()
                        .map(String::trim).anyMatch(config::equals);
        WorkerProfiler profiler = profile ? WorkerProfiler.start(work, worker.process().pid(), event) : null;
        long created = System.nanoTime();
        worker.putConnector(name, connectorConfig);
        Map<String, Object> row = measure(worker, name, config, created, profiler);
        if (profiler != null) {
            Map<String, Object> p = new LinkedHashMap<>();
            p.put("profiler", "async-profiler 4.2, attached for this configuration only, creation to last record");
            p.put("options", profiler.options());
            p.put("flame_graph", profileBase(config) + ".html");
            p.put("collapsed", work.getParent().resolve("profiles").resolve(profileBase(config) + ".collapsed").toString());
            row.put("profile", p);
        }
        return row;
    }

    /** An unmeasured pass of {@code config} over the whole topic, its shards in a data directory of their own. */
    private void warmUp(BenchWorker worker, ApicurioRegistry registry, String config) throws Exception {
        System.out.println("  warm-up pass (" + config + ", not reported)");
        if (isNoop(config)) {
            runConnector(worker, "bench-warmup-" + config, config, connectorConfig(config, registry));
            return;
        }
        Map<String, String> c = connectorConfig(config, registry);
        c.put("data.dir", work.resolve("data-warmup-" + config).toString());
        String name = "bench-warmup-" + config;
        worker.putConnector(name, c);
        long deadline = System.nanoTime() + Duration.ofSeconds(Long.getLong("bench.e2e.timeoutSeconds", 900)).toNanos();
        // Not "metric < records": the metric is NaN until the task has started, and NaN < n is false.
        while (!(worker.metric(name, "sink-record-send-total") >= records)) {
            if (System.nanoTime() > deadline) {
                throw new IOException("warm-up connector " + name + " did not read the topic in time: " + worker.taskState(name));
            }
            Thread.sleep(100);
        }
        worker.deleteConnector(name);
        // Let the stopping task's last commit land before anything is measured.
        Thread.sleep(Long.parseLong(System.getProperty("bench.e2e.commitMs", "2000")) + 500);
    }

    /**
     * A partition rebuilt by replay: the fast-path sink loads the topic first (not measured),
     * then it is stopped (its consumer group keeps the committed offsets at the end), its
     * {@code data.dir} is emptied, and it is resumed: its task finds no local state and replays
     * the partition from the earliest offset, which is measured.
     */
    private Map<String, Object> rebuild(BenchWorker worker, ApicurioRegistry registry) throws Exception {
        String name = "bench-rebuild";
        System.out.println("  rebuild: loading the topic first (not reported)");
        worker.putConnector(name, connectorConfig("rebuild", registry));
        long deadline = System.nanoTime() + Duration.ofSeconds(Long.getLong("bench.e2e.timeoutSeconds", 900)).toNanos();
        while (!(worker.metric(name, "sink-record-send-total") >= records)) { // NaN until the task has started
            if (System.nanoTime() > deadline) {
                throw new IOException("connector " + name + " did not load the topic in time: " + worker.taskState(name));
            }
            Thread.sleep(100);
        }
        worker.stopConnector(name); // the stopping task commits what it applied: the group's offsets are at the end
        deleteTree(work.resolve("data-rebuild"));
        worker.gc();
        long resumed = System.nanoTime();
        worker.resumeConnector(name);
        return measure(worker, name, "rebuild", resumed);
    }

    /** Measures a connector created (or resumed) at {@code created} until its task has received every record. */
    private Map<String, Object> measure(BenchWorker worker, String name, String config, long created) throws Exception {
        return measure(worker, name, config, created, null);
    }

    /** As above; {@code profiler}, if any, is stopped as soon as the task has received every record. */
    private Map<String, Object> measure(BenchWorker worker, String name, String config, long created, WorkerProfiler profiler)
            throws Exception {
        long deadline = created + Duration.ofSeconds(Long.getLong("bench.e2e.timeoutSeconds", 900)).toNanos();
        long firstAt = 0;
        double firstCount = 0;
        long lastAt;
        long firstCpu = 0;
        long lastCpu;
        double heapPeak = 0;
        int polls = 0;
        // -Dbench.e2e.measureFrom=0.3: the window opens after 30 % of the records, leaving out the task's start (its
        // first records take branches the warm-up's compiled code never saw: deoptimisation and recompiling).
        double windowStart = Math.max(1, Double.parseDouble(System.getProperty("bench.e2e.measureFrom", "0")) * records);
        while (true) {
            double sent = worker.metric(name, "sink-record-send-total");
            long now = System.nanoTime();
            if (++polls % 10 == 0) {
                heapPeak = Math.max(heapPeak, worker.heap().getUsed() / 1048576.0);
            }
            if (firstAt == 0 && sent >= windowStart) {
                firstAt = now;
                firstCount = sent;
                firstCpu = worker.cpuNanos();
            }
            if (sent >= records) {
                lastAt = now;
                lastCpu = worker.cpuNanos();
                if (profiler != null) {
                    // The flame graph with the results; the collapsed stacks (large) beside the data directory.
                    String base = profileBase(config);
                    Path results = Files.createDirectories(Paths.get(System.getProperty("bench.results", "results")));
                    Path profiles = Files.createDirectories(work.getParent().resolve("profiles"));
                    profiler.stop(results.resolve(base + ".html"), profiles.resolve(base + ".collapsed"));
                }
                break;
            }
            if (now > deadline) {
                throw new IOException("connector " + name + " delivered " + sent + " of " + records + " records in time; task: "
                        + worker.taskState(name) + worker.process().tail(30));
            }
            if (polls % 100 == 0 && worker.taskState(name).startsWith("FAILED")) {
                throw new IOException("connector " + name + " failed: " + worker.taskState(name));
            }
            Thread.sleep(50);
        }
        heapPeak = Math.max(heapPeak, worker.heap().getUsed() / 1048576.0);
        double seconds = (lastAt - firstAt) / 1e9;
        double rate = (records - firstCount) / seconds;
        // Let the last commit land before reading the commit figures.
        Thread.sleep(Long.parseLong(System.getProperty("bench.e2e.commitMs", "2000")) + 500);
        double commits = worker.metric(name, "offset-commit-completion-total");
        double commitAvg = worker.metric(name, "commit-latency-avg-ms");
        double commitMax = worker.metric(name, "commit-latency-max-ms");
        double putAvg = worker.metric(name, "put-batch-avg-time-ms");
        double wall = (System.nanoTime() - firstAt) / 1e9;
        worker.gc();
        MemoryUsage after = worker.heap();
        String state = worker.taskState(name);
        worker.deleteConnector(name);
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("configuration", config);
        row.put("description", describe(config));
        row.put("records_per_s", rate);
        boolean meta = config.equals("fastpath-meta");
        row.put("mb_per_s", rate * (meta ? withMetadata.valueBytes() : valueBytes) / records / 1e6);
        if (meta) {
            row.put("metadata_bytes_per_record", withMetadata.metadataBytesPerRecord());
        }
        row.put("seconds", seconds);
        // The worker's CPU time (every thread: consumer, converter, task, apply, GC) per record delivered.
        double cpuMicrosPerRecord = (lastCpu - firstCpu) / 1e3 / (records - firstCount);
        row.put("worker_cpu_us_per_record", cpuMicrosPerRecord);
        row.put("worker_cores_busy", (lastCpu - firstCpu) / 1e9 / seconds);
        row.put("first_record_after_s", (firstAt - created) / 1e9);
        row.put("measured_from_record", firstCount);
        row.put("commits", Double.isNaN(commits) ? null : commits);
        row.put("commit_latency_avg_ms", Double.isNaN(commitAvg) ? null : commitAvg);
        row.put("commit_latency_max_ms", Double.isNaN(commitMax) ? null : commitMax);
        row.put("commit_stall_share", Double.isNaN(commitAvg) || Double.isNaN(commits) ? null : commitAvg * commits / 1000 / wall);
        row.put("put_batch_avg_ms", Double.isNaN(putAvg) ? null : putAvg);
        row.put("heap_peak_mb", heapPeak);
        row.put("heap_after_gc_mb", after.getUsed() / 1048576.0);
        row.put("task_state_at_end", state.length() > 200 ? state.substring(0, 200) : state);
        System.out.printf("  %-9s %,10.0f records/s over %.1f s (first record %.1f s after creation), heap peak %.0f MB, "
                        + "worker CPU %.1f us/record (%.2f cores busy)%n",
                config, rate, seconds, (firstAt - created) / 1e9, heapPeak, cpuMicrosPerRecord, (lastCpu - firstCpu) / 1e9 / seconds);
        if (!isNoop(config)) {
            long live = liveVectors(work.resolve("data-" + config));
            row.put("live_vectors_after", live);
            System.out.printf("  %-9s %,10d live vectors in the shards after the task stopped (%,d distinct ids sent)%n", "",
                    live, records);
        }
        if (meta) {
            // The records carried metadata: a vector stored without it would be a sink that dropped it.
            byte[] sample = StoreReader.open(work.resolve("data-" + config)).getEntry(META_TOPIC, "doc-0")
                    .map(StoredVector::metadata).orElse(null);
            row.put("sample_metadata_bytes_stored", sample == null ? null : sample.length);
            System.out.printf("  %-9s doc-0 stored with %s bytes of metadata%n", "", sample == null ? "no" : sample.length);
        }
        return row;
    }

    /**
     * Live vectors in every database of a sink's data directory, read with the lock-free
     * reader once the task has stopped (its last commit writes everything out); waits up to
     * 60 s for the stopping task to finish.
     */
    private long liveVectors(Path dataDir) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        long live = -1;
        while (System.nanoTime() < deadline) {
            live = 0;
            StoreReader reader = StoreReader.open(dataDir);
            for (String database : reader.databaseNames()) {
                live += reader.stats(database).liveCount();
            }
            if (live >= records) {
                return live;
            }
            Thread.sleep(500);
        }
        return live;
    }

    private Map<String, Object> rawConsumer(String bootstrap) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        long count = 0;
        long firstAt = 0;
        long firstCount = 0;
        long lastAt = 0;
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            TopicPartition tp = new TopicPartition(TOPIC, 0);
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            long deadline = System.nanoTime() + Duration.ofMinutes(10).toNanos();
            while (count < records && System.nanoTime() < deadline) {
                ConsumerRecords<byte[], byte[]> batch = consumer.poll(Duration.ofMillis(200));
                long bytes = 0;
                for (ConsumerRecord<byte[], byte[]> r : batch) {
                    bytes += r.value().length;
                }
                count += batch.count();
                if (firstAt == 0 && count > 0) {
                    firstAt = System.nanoTime();
                    firstCount = count;
                }
                lastAt = System.nanoTime();
                if (bytes < 0) {
                    throw new IllegalStateException();
                }
            }
        }
        double seconds = (lastAt - firstAt) / 1e9;
        double rate = (count - firstCount) / seconds;
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("configuration", "consumer");
        row.put("description", describe("consumer"));
        row.put("records_per_s", rate);
        row.put("mb_per_s", rate * valueBytes / records / 1e6);
        row.put("seconds", seconds);
        System.out.printf("  %-9s %,10.0f records/s over %.1f s%n", "consumer", rate, seconds);
        return row;
    }

    private static String describe(String config) {
        return switch (config) {
            case "noop" -> "do-nothing sink, ByteArrayConverter (the Connect ceiling)";
            case "struct" -> "our sink, Apicurio AvroConverter -> Struct (general path)";
            case "struct-noop" -> "do-nothing sink behind Apicurio's AvroConverter (the general path's ceiling)";
            case "fastpath" -> "our sink, VectorMutationAvroConverter (fast path)";
            case "fastpath-meta" -> "fast path, the same vectors with about 1 KiB of metadata per record (metadata.fields=all)";
            case "consumer" -> "plain KafkaConsumer<byte[], byte[]> in the harness, no Connect";
            case "rebuild" -> "our sink (fast path) rebuilding the partition by replay: stopped, data.dir emptied, resumed";
            default -> config;
        };
    }

    /**
     * plugin.path for the worker: our packaged plugin archive unzipped as a user would, the
     * no-op sink in its own jar, and Apicurio's converter with its libraries.
     */
    private Path pluginPath() throws IOException {
        Path plugins = Files.createDirectories(work.resolve("plugins"));
        Path archive;
        try (Stream<Path> files = Files.list(repo.resolve("connector/target"))) {
            archive = files.filter(f -> f.getFileName().toString().endsWith("-plugin.zip")).findFirst()
                    .orElseThrow(() -> new IllegalStateException("no plugin archive in connector/target; build it: "
                            + "mvn -B -ntp -Pbench -pl bench -am package -DskipTests"));
        }
        unzip(archive, plugins);
        Path noop = Files.createDirectories(plugins.resolve("bench-noop-sink"));
        try (OutputStream file = Files.newOutputStream(noop.resolve("bench-noop-sink.jar"));
             JarOutputStream jar = new JarOutputStream(file)) {
            for (Class<?> type : List.of(NoopSinkConnector.class, NoopSinkTask.class)) {
                String entry = type.getName().replace('.', '/') + ".class";
                jar.putNextEntry(new JarEntry(entry));
                try (var in = type.getClassLoader().getResourceAsStream(entry)) {
                    in.transferTo(jar);
                }
                jar.closeEntry();
            }
            jar.putNextEntry(new JarEntry("META-INF/services/org.apache.kafka.connect.sink.SinkConnector"));
            jar.write((NoopSinkConnector.class.getName() + "\n").getBytes());
            jar.closeEntry();
        }
        Path apicurio = Files.createDirectories(plugins.resolve("apicurio-avro-converter"));
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            String n = entry.replace('\\', '/');
            if (n.endsWith(".jar") && (n.contains("/io/apicurio/") || n.contains("/org/apache/avro/")
                    || n.contains("/com/fasterxml/") || n.contains("/org/yaml/") || n.contains("/org/json/")
                    || n.contains("/com/networknt/") || n.contains("/com/ethlo/") || n.contains("/jakarta/ws/"))) {
                Path jarPath = Paths.get(entry);
                Files.copy(jarPath, apicurio.resolve(jarPath.getFileName()), StandardCopyOption.REPLACE_EXISTING);
            }
        }
        return plugins;
    }

    private static void unzip(Path archive, Path into) throws IOException {
        try (ZipInputStream zip = new ZipInputStream(Files.newInputStream(archive))) {
            for (ZipEntry e; (e = zip.getNextEntry()) != null; ) {
                Path target = into.resolve(e.getName()).normalize();
                if (!target.startsWith(into)) {
                    throw new IOException(archive + ": entry " + e.getName() + " escapes the target directory");
                }
                if (e.isDirectory()) {
                    Files.createDirectories(target);
                } else {
                    Files.createDirectories(target.getParent());
                    Files.copy(zip, target, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }

    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
