package io.jadevectordb.quickstart;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import io.jadevectordb.cli.Jvdb;
import io.jadevectordb.engine.StoreReader;
import io.jadevectordb.oracle.ExpectedDatabase;
import io.jadevectordb.oracle.ExpectedState;
import io.jadevectordb.testkit.MutationWorkload;
import io.jadevectordb.testkit.TopicState;

/**
 * The product's promise as users deploy it: a broker, a schema registry and a distributed
 * Connect worker as separate processes, the plugin loaded from {@code plugin.path}, the
 * connector created over REST from {@code config/}; the worker SIGKILLed at random moments
 * mid-stream and restarted; at the end the files hold exactly the state the topics describe, every
 * vector and every vector's metadata byte for byte (re-tags, vector-only UPDATEs and STOREs without
 * metadata included; see {@link MutationWorkload}).
 * A second connector on the same worker, a read replica with its own consumer group and data
 * directory, must hold the same state too (the second way to scale out, docs/operations.md).
 *
 * <p>{@code -Djvdb.deploy.records=N} (default 200,000) and {@code -Djvdb.deploy.kills=K}
 * (default 5) make a longer soak.
 */
class DeploymentTest {

    private static final long RECORDS = Long.getLong("jvdb.deploy.records", 200_000);
    private static final int KILLS = Integer.getInteger("jvdb.deploy.kills", 5);

    @Test
    void survivesRepeatedSigkillOfTheWorkerWithNoIdLostOrResurrected() throws Exception {
        long seed = Long.getLong("jvdb.deploy.seed", System.nanoTime());
        Random random = new Random(seed);
        Path work = Files.createDirectories(Path.of("target", "deployment-test", Long.toString(seed))).toAbsolutePath();
        Map<String, Integer> databases = new LinkedHashMap<>();
        databases.put("articles", 96);
        databases.put("thumbnails", 32);
        PrintStream log = System.out;
        try (LocalPipeline pipeline = new LocalPipeline(work, databases)) {
            pipeline.startBroker(null, log);
            pipeline.startRegistry(null, log);
            pipeline.createTopics(3, log);
            pipeline.startConnect(2, log);
            // A read replica (docs/operations.md, "Scaling out"): a second connector, so its own consumer group,
            // with its own data directory, materialises the whole topic as well, through the same kills.
            Path replicaDir = work.resolve("replica-data");
            Map<String, String> replica = pipeline.connectorConfig(1);
            replica.put("data.dir", replicaDir.toString());
            pipeline.worker().putConnector(REPLICA, replica);
            pipeline.worker().awaitRunning(REPLICA, Duration.ofSeconds(90));

            MutationWorkload workload = new MutationWorkload(pipeline.schema(), databases, 20_000, seed);
            // Stream at a steady pace so the kills land mid-stream, in any phase of a batch or commit.
            CompletableFuture<Void> producing = CompletableFuture.runAsync(() -> {
                try (KafkaProducer<String, byte[]> producer = pipeline.producer()) {
                    long start = System.nanoTime();
                    for (long i = 0; i < RECORDS; i++) {
                        pipeline.send(producer, workload.next());
                        if (i % 1000 == 999) {
                            long due = start + TimeUnit.MILLISECONDS.toNanos(i / 5); // about 5,000 records/s
                            long wait = due - System.nanoTime();
                            if (wait > 0) {
                                TimeUnit.NANOSECONDS.sleep(wait);
                            }
                        }
                    }
                    producer.flush();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException(e);
                }
            });

            List<Long> killedAtLag = new ArrayList<>();
            for (int k = 0; k < KILLS; k++) {
                Thread.sleep(2000 + random.nextInt(5000));
                killedAtLag.add(pipeline.lag());
                pipeline.worker().kill();
                Thread.sleep(random.nextInt(1500));
                pipeline.worker().restart();
                pipeline.worker().awaitRunning(LocalPipeline.CONNECTOR, Duration.ofSeconds(120));
                pipeline.worker().awaitRunning(REPLICA, Duration.ofSeconds(120));
            }
            producing.get(10, TimeUnit.MINUTES);
            pipeline.awaitCaughtUp(Duration.ofMinutes(5));
            ExpectedState expected = TopicState.read(pipeline.bootstrapServers(), databases.keySet(),
                    pipeline.schema());
            awaitLive(replicaDir, expected, Duration.ofMinutes(5));
            pipeline.worker().stop();
            assertThat(pipeline.worker().starts()).isEqualTo(KILLS + 1);
            log.printf("seed %d: killed the worker %d times, with %s records not yet committed at each kill%n", seed, KILLS,
                    killedAtLag);

            checkStore(pipeline.dataDir(), databases, expected, seed);
            checkStore(replicaDir, databases, expected, seed);
            // After every vector check, so that a red run says first whether ids and vectors were right.
            for (Path dir : List.of(pipeline.dataDir(), replicaDir)) {
                for (String name : databases.keySet()) {
                    checkMetadata(StoreReader.open(dir), name, expected.database(name), dir, seed);
                }
            }
        }
    }

    private static final String REPLICA = "jadevectordb-replica";

    /** Waits until every database of the replica holds as many live ids as the topics say (its commits lag the main connector's). */
    private static void awaitLive(Path dir, ExpectedState expected, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            boolean done = Files.isDirectory(dir);
            if (done) {
                StoreReader reader = StoreReader.open(dir);
                for (Map.Entry<String, ExpectedDatabase> db : expected.databases().entrySet()) {
                    done &= reader.databaseNames().contains(db.getKey())
                            && reader.stats(db.getKey()).liveCount() == db.getValue().live().size();
                }
            }
            if (done || System.nanoTime() > deadline) {
                return; // the check that follows says what is missing
            }
            Thread.sleep(500);
        }
    }

    /** Checks a data directory the way an operator would: jvdb's read-only reader and its verify command. */
    private static void checkStore(Path dataDir, Map<String, Integer> databases, ExpectedState expected,
                                   long seed) throws Exception {
        StoreReader reader = StoreReader.open(dataDir);
        assertThat(reader.databaseNames()).as("seed %d", seed).containsExactlyInAnyOrderElementsOf(databases.keySet());
        StringWriter verifyOutput = new StringWriter();
        CommandLine jvdb = Jvdb.commandLine(new Jvdb(false));
        jvdb.setOut(new PrintWriter(verifyOutput, true));
        jvdb.setErr(new PrintWriter(verifyOutput, true));
        assertThat(jvdb.execute("--data-dir", dataDir.toString(), "verify")).as("jvdb verify of %s: %s", dataDir, verifyOutput)
                .isZero();
        for (String name : databases.keySet()) {
            assertThat(reader.dimension(name)).isEqualTo(databases.get(name));
            Map<String, float[]> actual = new HashMap<>();
            StoreReader.ScanResult scanned = reader.scan(name, actual::put);
            assertThat(scanned.unreadable()).isZero();
            Map<String, float[]> want = expected.database(name).live();
            assertThat(want).as("the workload leaves live ids in %s", name).isNotEmpty();
            assertThat(new TreeMap<>(actual).keySet()).as("ids of %s in %s (seed %d): none lost, none resurrected", name, dataDir,
                    seed)
                    .isEqualTo(new TreeMap<>(want).keySet());
            for (Map.Entry<String, float[]> e : want.entrySet()) {
                assertThat(actual.get(e.getKey())).as("%s/%s bit-exact (seed %d)", name, e.getKey(), seed)
                        .containsExactly(e.getValue());
            }
            assertThat(reader.stats(name).liveCount()).isEqualTo(want.size());
        }
    }

    /** Every live id's metadata, byte for byte as the contract encodes what its producer sent (none when it sent none). */
    private static void checkMetadata(StoreReader reader, String name, ExpectedDatabase want, Path dataDir, long seed)
            throws Exception {
        HexFormat hex = HexFormat.of();
        List<String> wrong = new ArrayList<>();
        long differing = 0;
        long withMetadata = 0;
        for (String id : new TreeMap<>(want.live()).keySet()) {
            byte[] expected = want.metadata().get(id);
            byte[] actual = reader.getEntry(name, id).orElseThrow().metadata();
            withMetadata += expected == null ? 0 : 1;
            if (!Arrays.equals(expected, actual) && ++differing <= 5) {
                wrong.add(id + ": expected " + (expected == null ? "none" : hex.formatHex(expected)) + ", stored "
                        + (actual == null ? "none" : hex.formatHex(actual)));
            }
        }
        assertThat(withMetadata).as("the workload leaves ids with metadata in %s", name).isPositive();
        assertThat(wrong).as("metadata of %s in %s (seed %d): %d of %d live ids differ, e.g.", name, dataDir, seed, differing,
                want.live().size()).isEmpty();
    }
}
