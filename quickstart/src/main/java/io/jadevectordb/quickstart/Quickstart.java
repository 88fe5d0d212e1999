package io.jadevectordb.quickstart;

import io.jadevectordb.engine.Database;
import io.jadevectordb.engine.DatabaseStats;
import io.jadevectordb.engine.ShardStats;
import io.jadevectordb.engine.StoreOptions;
import io.jadevectordb.engine.VectorStore;
import io.jadevectordb.testkit.MutationWorkload;
import io.jadevectordb.testkit.Progress;
import io.jadevectordb.testkit.TopicState;
import java.io.PrintStream;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;

/**
 * The README's "run" command: the whole pipeline locally with real parts, a stream of
 * realistic vector mutations through it, and what landed on disk, checked against the topics.
 */
public final class Quickstart {

    private Quickstart() {
    }

    public static void main(String[] args) throws Exception {
        QuickstartOptions options;
        try {
            options = QuickstartOptions.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.exit(2);
            return;
        }
        Layout.check();
        PrintStream out = System.out;
        Map<String, Integer> databases = new LinkedHashMap<>();
        databases.put("articles", 384);
        databases.put("images", 128);
        LocalPipeline pipeline = new LocalPipeline(options.workDir(), databases);
        Thread shutdown = new Thread(() -> {
            try {
                pipeline.close();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "quickstart-shutdown");
        Runtime.getRuntime().addShutdownHook(shutdown);
        try {
            out.println("[1/5] Starting Kafka, the schema registry and Kafka Connect (logs in " + options.workDir() + ")");
            pipeline.startBroker(options.bootstrapServers(), out);
            pipeline.startRegistry(options.registryUrl(), out);
            pipeline.createTopics(3, out);
            pipeline.startConnect(2, out);

            out.println("[2/5] Streaming " + options.records() + " vector mutations (Avro, Confluent wire format)");
            MutationWorkload workload = new MutationWorkload(pipeline.schema(), databases, (int) Math.max(100, options.records() / 4), 42);
            Progress progress = new Progress(out, "produced", options.records());
            try (KafkaProducer<String, byte[]> producer = pipeline.producer()) {
                for (long i = 1; i <= options.records(); i++) {
                    pipeline.send(producer, workload.next());
                    progress.update(i);
                }
                producer.flush();
            }
            progress.done(options.records());

            out.println("[3/5] Waiting until the sink has committed every offset (committed = durable on disk)");
            Progress applied = new Progress(out, "committed", options.records());
            long deadline = System.nanoTime() + Duration.ofMinutes(10).toNanos();
            long lag;
            while ((lag = pipeline.lag()) > 0 && System.nanoTime() < deadline) {
                applied.update(options.records() - lag);
                Thread.sleep(200);
            }
            pipeline.awaitCaughtUp(Duration.ofSeconds(30));
            applied.done(options.records());
            pipeline.worker().stop();

            out.println("[4/5] What landed in " + pipeline.dataDir());
            Map<String, Map<String, float[]>> expected = TopicState.read(pipeline.bootstrapServers(), databases.keySet(),
                    pipeline.schema());
            try (VectorStore store = VectorStore.open(pipeline.dataDir(), StoreOptions.defaults())) {
                for (String name : store.databaseNames()) {
                    Database db = store.database(name).orElseThrow();
                    DatabaseStats stats = db.stats();
                    out.printf("  %-9s dimension %4d  live %,7d  deleted %,6d  %,d bytes%n", name, stats.dimension(),
                            stats.liveCount(), stats.deletedCount(), stats.fileBytes());
                    for (ShardStats shard : stats.shards()) {
                        out.printf("    %-22s live %,7d  checkpoint offset %,d%s%n", shard.name(), shard.liveCount(),
                                shard.checkpointOffset(), shard.clean() ? "  (closed cleanly)" : "");
                    }
                    Map<String, float[]> actual = new HashMap<>();
                    db.scan(actual::put);
                    Map<String, float[]> want = expected.getOrDefault(name, Map.of());
                    long same = want.entrySet().stream().filter(e -> Arrays.equals(e.getValue(), actual.get(e.getKey()))).count();
                    boolean exact = same == want.size() && actual.size() == want.size();
                    out.printf("    matches the topic: %s (%,d of %,d ids bit-exact, %,d on disk)%n", exact ? "yes" : "NO", same,
                            want.size(), actual.size());
                }
                out.println("[5/5] A sample search: top 5 of 'articles' by cosine similarity to a stored vector");
                SampleSearch.run(store, "articles", out);
            }
            out.println("Done. Inspect the data with: bin/jvdb --data-dir " + pipeline.dataDir() + " stats");
        } finally {
            out.println("Shutting down Kafka Connect, the registry and the broker...");
            pipeline.close();
            Runtime.getRuntime().removeShutdownHook(shutdown);
        }
    }
}
