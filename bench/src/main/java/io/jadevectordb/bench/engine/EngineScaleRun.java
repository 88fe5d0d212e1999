package io.jadevectordb.bench.engine;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import io.jadevectordb.bench.Json;
import io.jadevectordb.engine.Mutation;
import io.jadevectordb.engine.SourcePartition;
import io.jadevectordb.engine.StoreOptions;
import io.jadevectordb.engine.StoreReader;
import io.jadevectordb.engine.VectorStore;
import io.jadevectordb.engine.verify.ShardReport;

/**
 * The engine at scale, outside JMH (one pass is minutes long): loads {@code count} new vectors of
 * {@code dimension} into one shard through {@link VectorStore#apply} and {@link VectorStore#commit}
 * in batches, the sink's unit of work, and in the same run appends the same bytes to a plain
 * file with one write per batch and one {@code force} per commit (the floor). Then: clean reopen, random
 * gets, open after a crash (a copy of the shard taken while its writer had it open, so recovery
 * runs), and a full {@code verify}. Prints the figures and writes {@code engine-scale.json}.
 *
 * <p>Knobs: {@code bench.engineScale.runs} (default {@code 1000000x768,10000000x128}; a run
 * {@code 1000000x768/50000} commits (and the floor forces) every 50,000 vectors instead of every batch;
 * a suffix {@code +sized} sizes the shard's index for the count up front, so it never grows),
 * {@code bench.engineScale.batch} (default 1,000), {@code bench.engineScale.name} (of the JSON file,
 * default {@code engine-scale}), {@code bench.dataDir}.
 */
public final class EngineScaleRun {

    private static final SourcePartition SOURCE = new SourcePartition("vectors", 0);
    private static final int POOL = 1024;

    private EngineScaleRun() {
    }

    public static void run(Path results) throws IOException {
        List<Map<String, Object>> rows = new ArrayList<>();
        int batch = Integer.getInteger("bench.engineScale.batch", 1000);
        String file = System.getProperty("bench.engineScale.name", "engine-scale") + ".json";
        for (String spec : System.getProperty("bench.engineScale.runs", "1000000x768,10000000x128").split(",")) {
            // count x dimension, optionally /commitEvery (vectors per commit; default: every batch),
            // optionally +sized (the shard's index sized for the count up front: no growth)
            String trimmed = spec.trim();
            boolean sized = trimmed.endsWith("+sized");
            String[] parts = trimmed.replace("+sized", "").split("[x/]");
            long commitEvery = parts.length > 2 ? Long.parseLong(parts[2]) : batch;
            rows.add(runOne(Long.parseLong(parts[0]), Integer.parseInt(parts[1]), batch, commitEvery, sized));
            Files.writeString(results.resolve(file), Json.write(rows));
        }
        System.out.println("Engine scale figures written to " + results.resolve(file).toAbsolutePath());
    }

    private static Map<String, Object> runOne(long count, int dimension, int batch, long commitEvery, boolean sized)
            throws IOException {
        Path dir = EngineData.scratch("scale-" + count + "x" + dimension);
        float[][] pool = EngineData.vectors(POOL, dimension, 5);
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("vectors", count);
        row.put("dimension", dimension);
        row.put("batch", batch);
        row.put("commit_every", commitEvery);
        row.put("index_sized_up_front", sized);
        System.out.printf("%n== %,d x %d, batches of %,d, a commit every %,d vectors%s ==%n", count, dimension, batch, commitEvery,
                sized ? ", index sized up front (expectedVectorsPerShard)" : "");
        try {
            // Ours.
            List<Map<String, Object>> progress = new ArrayList<>();
            long maxHeap = 0;
            long start = System.nanoTime();
            long windowStart = start;
            long windowFrom = 0;
            long windowLongestCall = 0;
            long longestCall = 0;
            long step = Math.max(batch, count / 10 / batch * batch);
            StoreOptions options = StoreOptions.defaults().withFlushInterval(Duration.ZERO)
                    .withExpectedVectorsPerShard(sized ? count + batch : 0);
            Path storeDir = dir.resolve("store");
            try (VectorStore store = VectorStore.open(storeDir, options)) {
                store.createDatabase("scale", dimension);
                List<Mutation> mutations = new ArrayList<>(batch);
                for (long done = 0; done < count; ) {
                    mutations.clear();
                    int n = (int) Math.min(batch, count - done);
                    for (int i = 0; i < n; i++) {
                        long o = done + i;
                        mutations.add(Mutation.store("doc-" + o, pool[(int) (o % POOL)], o));
                    }
                    long callStart = System.nanoTime();
                    store.apply("scale", SOURCE, mutations);
                    done += n;
                    if (done % commitEvery == 0 || done == count) {
                        store.commit(SOURCE, done - 1);
                    }
                    // The longest apply (+ commit) call: a stall (index growth, snapshot, compaction) shows here.
                    long call = System.nanoTime() - callStart;
                    windowLongestCall = Math.max(windowLongestCall, call);
                    longestCall = Math.max(longestCall, call);
                    if (done % step == 0 || done == count) {
                        long now = System.nanoTime();
                        long heap = memory.getHeapMemoryUsage().getUsed();
                        maxHeap = Math.max(maxHeap, heap);
                        double rate = (done - windowFrom) / ((now - windowStart) / 1e9);
                        Map<String, Object> p = new LinkedHashMap<>();
                        p.put("vectors", done);
                        p.put("vectors_per_s_in_window", Math.round(rate));
                        p.put("longest_call_ms_in_window", windowLongestCall / 1e6);
                        windowLongestCall = 0;
                        p.put("heap_used_mb", heap / 1e6); // garbage included: no GC is forced here
                        p.put("shard_bytes", Files.size(storeDir.resolve("scale").resolve(SOURCE.shardFileName())));
                        progress.add(p);
                        System.out.printf("  %,12d vectors  %,9.0f vectors/s (last %,d)  heap %,6.1f MB  shard %,.0f MB%n",
                                done, rate, done - windowFrom, heap / 1e6, ((Number) p.get("shard_bytes")).longValue() / 1e6);
                        windowStart = now;
                        windowFrom = done;
                    }
                }
            }
            double oursSeconds = (System.nanoTime() - start) / 1e9;
            Path shard = storeDir.resolve("scale").resolve(SOURCE.shardFileName());
            row.put("ours_vectors_per_s", Math.round(count / oursSeconds));
            row.put("ours_seconds", oursSeconds);
            row.put("shard_bytes", Files.size(shard));
            row.put("progress", progress);
            row.put("longest_call_ms", longestCall / 1e6);
            System.out.printf("  longest apply + commit call %.0f ms%n", longestCall / 1e6);
            System.gc();
            row.put("heap_used_max_mb", maxHeap / 1e6);
            row.put("heap_after_gc_mb", memory.getHeapMemoryUsage().getUsed() / 1e6);

            // The floor: the same bytes (vector + id) appended and forced per batch.
            double rawSeconds = rawWriteForce(dir.resolve("raw.bin"), pool, count, batch, commitEvery);
            row.put("raw_vectors_per_s", Math.round(count / rawSeconds));
            row.put("ratio", (count / oursSeconds) / (count / rawSeconds));
            Files.deleteIfExists(dir.resolve("raw.bin"));
            System.out.printf("  ours %,.0f vectors/s (%.1f s) vs raw write + force %,.0f vectors/s (%.1f s): %.2fx%n",
                    count / oursSeconds, oursSeconds, count / rawSeconds, rawSeconds, rawSeconds / oursSeconds);

            // Clean open, then random gets through the store.
            long t = System.nanoTime();
            try (VectorStore store = VectorStore.open(storeDir, options)) {
                var db = store.database("scale").orElseThrow();
                db.get("doc-0"); // opens the shard
                row.put("open_clean_ms", (System.nanoTime() - t) / 1e6);
                SplittableRandom random = new SplittableRandom(3);
                int gets = 200_000;
                long missing = 0;
                t = System.nanoTime();
                for (int i = 0; i < gets; i++) {
                    if (db.get("doc-" + random.nextLong(count)).isEmpty()) {
                        missing++;
                    }
                }
                double getSeconds = (System.nanoTime() - t) / 1e9;
                row.put("random_gets_per_s", Math.round(gets / getSeconds));
                row.put("random_gets_missing", missing);
                System.out.printf("  clean open %.1f ms; %,d random gets: %,.0f/s, %d missing%n",
                        (double) row.get("open_clean_ms"), gets, gets / getSeconds, missing);

                // A crash image: the file copied while its writer has it open (not clean) with a batch in flight.
                List<Mutation> more = new ArrayList<>();
                for (int i = 0; i < batch; i++) {
                    more.add(Mutation.store("late-" + i, pool[i % POOL], count + i));
                }
                store.apply("scale", SOURCE, more);
                EngineData.copyAsCrashImage(storeDir, dir.resolve("crash"));
            }
            t = System.nanoTime();
            try (VectorStore crashed = VectorStore.open(dir.resolve("crash"), options)) {
                crashed.database("scale").orElseThrow().get("doc-0");
                row.put("open_after_crash_ms", (System.nanoTime() - t) / 1e6);
            }
            System.out.printf("  open after a crash (recovery) %.0f ms%n", (double) row.get("open_after_crash_ms"));
            EngineData.delete(dir.resolve("crash"));

            t = System.nanoTime();
            List<ShardReport> reports = StoreReader.open(storeDir).verify("scale");
            row.put("verify_ms", (System.nanoTime() - t) / 1e6);
            long faults = reports.stream().mapToLong(r -> r.faults().size()).sum();
            row.put("verify_problems", faults);
            long live = StoreReader.open(storeDir).stats("scale").liveCount();
            row.put("live_vectors_after", live);
            System.out.printf("  verify %.0f ms, %d problems; %,d live vectors (expected %,d)%n",
                    (double) row.get("verify_ms"), faults, live, count + batch);
        } finally {
            EngineData.delete(dir);
        }
        return row;
    }

    private static double rawWriteForce(Path file, float[][] pool, long count, int batch, long commitEvery) throws IOException {
        int dimension = pool[0].length;
        ByteBuffer buffer = ByteBuffer.allocateDirect(batch * (4 * dimension + 2 + 24)).order(ByteOrder.LITTLE_ENDIAN);
        long start = System.nanoTime();
        try (FileChannel raw = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.WRITE)) {
            for (long done = 0; done < count; ) {
                buffer.clear();
                int n = (int) Math.min(batch, count - done);
                for (int i = 0; i < n; i++) {
                    long o = done + i;
                    for (float f : pool[(int) (o % POOL)]) {
                        buffer.putFloat(f);
                    }
                    byte[] id = ("doc-" + o).getBytes(StandardCharsets.UTF_8);
                    buffer.putShort((short) id.length).put(id);
                }
                buffer.flip();
                while (buffer.hasRemaining()) {
                    raw.write(buffer);
                }
                done += n;
                if (done % commitEvery == 0 || done == count) {
                    raw.force(false);
                }
            }
        }
        return (System.nanoTime() - start) / 1e9;
    }
}
