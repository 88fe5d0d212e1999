package io.jadevectordb.quickstart;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

import org.apache.kafka.clients.producer.KafkaProducer;

import io.jadevectordb.cli.Jvdb;
import io.jadevectordb.cli.Progress;
import io.jadevectordb.engine.StoreReader;
import io.jadevectordb.engine.StoredVector;
import io.jadevectordb.oracle.ExpectedDatabase;
import io.jadevectordb.oracle.ExpectedState;
import io.jadevectordb.testkit.MutationWorkload;
import io.jadevectordb.testkit.TopicState;

/**
 * The README's "run" command: the whole pipeline locally with real parts, a stream of
 * realistic vector mutations (with a title and a language as metadata) through it, and what landed
 * on disk, vectors and metadata, checked against the topics; then one vector's metadata and a
 * search with and without a metadata filter, through jvdb.
 */
public final class Quickstart {

    private Quickstart() {
    }

    /** A JSON vector array, shortened for the screen: the metadata beside it is what the step shows. */
    private static final Pattern VECTOR = Pattern.compile("\"vector\":\\[([^\\]]{0,80},)[^\\]]*\\]");

    /** Runs a jvdb command in-process, its output indented under the quickstart's. */
    private static int jvdb(PrintStream out, String... args) {
        StringWriter text = new StringWriter();
        var commandLine = Jvdb.commandLine(new Jvdb(false));
        commandLine.setOut(new PrintWriter(text, true));
        commandLine.setErr(new PrintWriter(text, true));
        int exit = commandLine.execute(args);
        text.toString().lines().forEach(line -> out.println("    " + VECTOR.matcher(line).replaceAll("\"vector\":[$1...]")));
        return exit;
    }

    /** jvdb's bar, drawn when a terminal is attached; piped, only the summary line shows. */
    private static Progress progress(PrintStream out, String label, long total) {
        return new Progress(new PrintWriter(out), System.console() != null, "  " + label, total);
    }

    private static void summary(PrintStream out, String label, long count, long startNanos) {
        double seconds = (System.nanoTime() - startNanos) / 1e9;
        out.printf("  %s: %,d in %.1f s (%,.0f/s)%n", label, count, seconds, seconds > 0 ? count / seconds : 0);
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
        try {
            WorkDirectory.prepare(options.workDir(), out);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.exit(2);
            return;
        }
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

            out.println("[2/5] Streaming " + options.records() + " vector mutations (Avro, Confluent wire format; with a title"
                    + " and a language as metadata, some of them re-tags without a vector)");
            MutationWorkload workload = new MutationWorkload(pipeline.schema(), databases, (int) Math.max(100, options.records() / 4), 42);
            long started = System.nanoTime();
            try (Progress progress = progress(out, "produced", options.records());
                 KafkaProducer<String, byte[]> producer = pipeline.producer()) {
                for (long i = 1; i <= options.records(); i++) {
                    pipeline.send(producer, workload.next());
                    progress.update(i);
                }
                producer.flush();
            }
            summary(out, "produced", options.records(), started);

            out.println("[3/5] Waiting until the sink has committed every offset (committed = durable on disk)");
            started = System.nanoTime();
            try (Progress applied = progress(out, "committed", options.records())) {
                long deadline = System.nanoTime() + Duration.ofMinutes(10).toNanos();
                long lag;
                while ((lag = pipeline.lag()) > 0 && System.nanoTime() < deadline) {
                    applied.update(options.records() - lag);
                    Thread.sleep(200);
                }
                pipeline.awaitCaughtUp(Duration.ofSeconds(30));
                applied.update(options.records());
            }
            summary(out, "committed", options.records(), started);
            pipeline.worker().stop();

            out.println("[4/5] What landed in " + pipeline.dataDir() + " (jvdb stats, jvdb verify)");
            String dataDir = pipeline.dataDir().toString();
            jvdb(out, "--data-dir", dataDir, "stats");
            int faults = jvdb(out, "--data-dir", dataDir, "verify");
            ExpectedState expected = TopicState.read(pipeline.bootstrapServers(), databases.keySet(),
                    pipeline.schema());
            float[] query = null;
            String sample = null;
            StoreReader reader = StoreReader.open(pipeline.dataDir());
            for (String name : databases.keySet()) {
                Map<String, float[]> actual = new HashMap<>();
                reader.scan(name, actual::put);
                ExpectedDatabase db = expected.database(name);
                Map<String, float[]> want = db.live();
                long same = want.entrySet().stream().filter(e -> Arrays.equals(e.getValue(), actual.get(e.getKey()))).count();
                long sameMetadata = 0;
                for (String id : want.keySet()) {
                    Optional<StoredVector> entry = reader.getEntry(name, id);
                    sameMetadata += entry.isPresent() && Arrays.equals(db.metadata().get(id), entry.get().metadata()) ? 1 : 0;
                }
                boolean exact = same == want.size() && sameMetadata == want.size() && actual.size() == want.size();
                out.printf("  %s matches the state computed from its topic: %s (%,d of %,d ids bit-exact, metadata of %,d "
                        + "byte-exact, %,d on disk)%n", name, exact ? "yes" : "NO", same, want.size(), sameMetadata, actual.size());
                if (query == null && !actual.isEmpty()) {
                    query = actual.values().iterator().next();
                }
                if (sample == null && name.equals("articles")) {
                    sample = db.metadata().keySet().stream().sorted().findFirst().orElse(null);
                }
            }
            if (sample != null) {
                out.println("  One vector with the metadata its producer sent: jvdb get articles " + sample);
                jvdb(out, "--data-dir", dataDir, "get", "articles", sample);
            }
            if (query != null) {
                out.println("[5/5] A sample search: jvdb search articles --k 5 --metric cosine --vector <a stored vector>");
                StringBuilder csv = new StringBuilder();
                for (float f : query) {
                    csv.append(csv.length() == 0 ? "" : ",").append(f);
                }
                jvdb(out, "--data-dir", dataDir, "search", "articles", "--k", "5", "--metric", "cosine", "--vector", csv.toString());
                String filter = "{\"must\":[{\"key\":\"language\",\"match\":{\"value\":\"en\"}}]}";
                out.println("  The same search among the English articles only: ... --filter '" + filter + "'");
                jvdb(out, "--data-dir", dataDir, "search", "articles", "--k", "5", "--metric", "cosine", "--vector", csv.toString(),
                        "--filter", filter);
            }
            if (faults != 0) {
                out.println("jvdb verify reported problems (exit " + faults + ")");
            }
            out.println("Done. Inspect the data with: bin/jvdb --data-dir " + pipeline.dataDir() + " stats");
        } finally {
            out.println("Shutting down Kafka Connect, the registry and the broker...");
            pipeline.close();
            Runtime.getRuntime().removeShutdownHook(shutdown);
        }
    }
}
