package io.jadevectordb.bench.e2e;

import java.io.IOException;
import java.lang.management.MemoryUsage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Memory and file-descriptor pressure: a worker with a small heap ({@code bench.scale.workerHeap},
 * default 256m) ingesting {@code bench.scale.records} records (default 10,000) spread round-robin
 * over {@code bench.scale.databases} databases (default 1,000) with {@code max.open.shards=100}:
 * every record goes to a database whose shard the LRU has just closed, the worst case for
 * eviction. Sampled every second: heap used after the last GC (old generation occupancy is
 * what must stay flat), open shards (the connector's gauge), and the worker's open file
 * descriptors ({@code /proc/<pid>/fd}).
 */
final class ScaleRun {

    private ScaleRun() {
    }

    static Map<String, Object> run(BenchWorker worker, String name, Map<String, String> config, long records, int databases)
            throws Exception {
        worker.gc();
        long created = System.nanoTime();
        worker.putConnector(name, config);
        long deadline = created + Duration.ofSeconds(Long.getLong("bench.e2e.timeoutSeconds", 900)).toNanos();
        List<Map<String, Object>> samples = new ArrayList<>();
        long firstAt = 0;
        double firstCount = 0;
        long nextSample = 0;
        int maxFds = 0;
        double maxOpenShards = 0;
        double heapPeak = 0;
        double sent;
        while (true) {
            sent = worker.metric(name, "sink-record-send-total");
            long now = System.nanoTime();
            if (firstAt == 0 && sent > 0) {
                firstAt = now;
                firstCount = sent;
            }
            if (now >= nextSample) {
                nextSample = now + 1_000_000_000L;
                MemoryUsage heap = worker.heap();
                int fds = openFds(worker.process().pid());
                double shards = worker.metric(name, "open-shards");
                maxFds = Math.max(maxFds, fds);
                heapPeak = Math.max(heapPeak, heap.getUsed() / 1048576.0);
                if (!Double.isNaN(shards)) {
                    maxOpenShards = Math.max(maxOpenShards, shards);
                }
                Map<String, Object> s = new LinkedHashMap<>();
                s.put("t_s", (now - created) / 1e9);
                s.put("records", sent);
                s.put("heap_used_mb", heap.getUsed() / 1048576.0);
                s.put("old_gen_after_gc_mb", oldGenAfterGc(worker));
                s.put("open_shards", Double.isNaN(shards) ? null : shards);
                s.put("open_fds", fds);
                samples.add(s);
            }
            if (sent >= records) {
                break;
            }
            if (now > deadline) {
                throw new IOException("scale run: " + sent + " of " + records + " records delivered in time; task: "
                        + worker.taskState(name) + worker.process().tail(30));
            }
            if (samples.size() % 20 == 19 && worker.taskState(name).startsWith("FAILED")) {
                throw new IOException("scale run failed: " + worker.taskState(name));
            }
            Thread.sleep(100);
        }
        long lastAt = System.nanoTime();
        worker.gc();
        double afterGc = worker.heap().getUsed() / 1048576.0;
        String state = worker.taskState(name);
        worker.deleteConnector(name);
        double seconds = (lastAt - firstAt) / 1e9;
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("configuration", "scale");
        row.put("description", "our sink (fast path), " + databases + " databases round-robin, max.open.shards="
                + config.get("max.open.shards") + ", worker -Xmx" + System.getProperty("bench.scale.workerHeap", "256m"));
        row.put("records", records);
        row.put("records_per_s", (records - firstCount) / seconds);
        row.put("seconds", seconds);
        row.put("heap_peak_mb", heapPeak);
        row.put("heap_after_gc_mb", afterGc);
        row.put("max_open_shards_seen", maxOpenShards);
        row.put("max_open_fds", maxFds);
        row.put("task_state_at_end", state.length() > 200 ? state.substring(0, 200) : state);
        row.put("samples", samples);
        System.out.printf("  scale: %,d records over %d databases in %.1f s (%,.0f records/s); heap peak %.0f MB, after GC %.0f MB; "
                        + "open shards <= %.0f; open fds <= %d; task %s%n", records, databases, seconds,
                (records - firstCount) / seconds, heapPeak, afterGc, maxOpenShards, maxFds, state.split(":")[0]);
        return row;
    }

    /** Old-generation occupancy after the last collection (G1 Old Gen's CollectionUsage), in MB. */
    private static Double oldGenAfterGc(BenchWorker worker) {
        try {
            return worker.oldGenAfterGcMb();
        } catch (Exception e) {
            return null;
        }
    }

    static int openFds(long pid) {
        try (Stream<Path> fds = Files.list(Path.of("/proc", Long.toString(pid), "fd"))) {
            return (int) fds.count();
        } catch (IOException e) {
            return -1;
        }
    }
}
