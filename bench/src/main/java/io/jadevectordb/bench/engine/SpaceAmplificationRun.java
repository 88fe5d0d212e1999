package io.jadevectordb.bench.engine;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import io.jadevectordb.bench.Json;
import io.jadevectordb.engine.DatabaseStats;
import io.jadevectordb.engine.Mutation;
import io.jadevectordb.engine.ShardStats;
import io.jadevectordb.engine.SourcePartition;
import io.jadevectordb.engine.StoreOptions;
import io.jadevectordb.engine.VectorStore;

/**
 * Space amplification of format 2 under a steady mix: {@code bench.space.mutations} mutations
 * (default 2,000,000) of which 70 % store new ids, 20 % update a live id and 10 % delete one,
 * committed every 10,000, into one shard, with automatic compaction at its default threshold
 * (50 % garbage), at 25 %, and off. Reports the bytes on disk (log file and index snapshot) against the live data (live
 * ids times their record size) at every tenth of the run. Writes {@code engine-space.json}.
 */
public final class SpaceAmplificationRun {

    private static final SourcePartition SOURCE = new SourcePartition("vectors", 0);

    private SpaceAmplificationRun() {
    }

    public static void run(Path results) throws IOException {
        long mutations = Long.getLong("bench.space.mutations", 2_000_000L);
        int dimension = Integer.getInteger("bench.space.dimension", 128);
        List<Map<String, Object>> rows = new ArrayList<>();
        rows.add(runOne(mutations, dimension, StoreOptions.defaults()));
        rows.add(runOne(mutations, dimension, StoreOptions.defaults().withCompaction(StoreOptions.DEFAULT_COMPACTION_MIN_BYTES, 0.25)));
        rows.add(runOne(mutations, dimension, StoreOptions.defaults().withCompaction(0, 0.5)));
        Files.writeString(results.resolve("engine-space.json"), Json.write(rows));
        System.out.println("Space amplification figures written to " + results.resolve("engine-space.json").toAbsolutePath());
    }

    private static Map<String, Object> runOne(long count, int dimension, StoreOptions base) throws IOException {
        boolean compaction = base.compactionMinBytes() > 0;
        String policy = compaction ? "at " + Math.round(base.compactionGarbageRatio() * 100) + "% garbage" : "off";
        Path dir = EngineData.scratch("space");
        float[][] pool = EngineData.vectors(1024, dimension, 3);
        SplittableRandom random = new SplittableRandom(17);
        List<String> live = new ArrayList<>();
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("mutations", count);
        row.put("dimension", dimension);
        row.put("mix", "70% new ids, 20% updates, 10% deletes");
        row.put("automatic_compaction", policy);
        List<Map<String, Object>> progress = new ArrayList<>();
        System.out.printf("%n== space: %,d mutations x %d, compaction %s ==%n", count, dimension, policy);
        long nextId = 0;
        try (VectorStore store = VectorStore.open(dir, base.withFlushInterval(Duration.ZERO))) {
            store.createDatabase("space", dimension);
            List<Mutation> batch = new ArrayList<>(10_000);
            for (long o = 0; o < count; o++) {
                int dice = random.nextInt(10);
                Mutation m;
                if (dice < 7 || live.size() < 100) {
                    String id = "doc-" + nextId++;
                    live.add(id);
                    m = Mutation.store(id, pool[(int) (o & 1023)], o);
                } else if (dice < 9) {
                    m = Mutation.update(live.get(random.nextInt(live.size())), pool[(int) (o & 1023)], o);
                } else {
                    int at = random.nextInt(live.size());
                    String id = live.get(at);
                    live.set(at, live.get(live.size() - 1));
                    live.remove(live.size() - 1);
                    m = Mutation.delete(id, o);
                }
                batch.add(m);
                if (batch.size() == 10_000 || o == count - 1) {
                    store.apply("space", SOURCE, batch);
                    store.commit(SOURCE, o);
                    batch.clear();
                }
                if ((o + 1) % (count / 10) == 0) {
                    progress.add(figures(store, dir, o + 1, live.size(), dimension));
                }
            }
        }
        row.put("progress", progress);
        row.put("final", progress.get(progress.size() - 1));
        EngineData.delete(dir);
        return row;
    }

    private static Map<String, Object> figures(VectorStore store, Path dir, long done, long liveIds, int dimension) throws IOException {
        DatabaseStats stats = store.database("space").orElseThrow().stats();
        ShardStats shard = stats.shards().get(0);
        long disk;
        try (Stream<Path> files = Files.list(dir.resolve("space"))) {
            disk = files.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
        }
        // A live id's record: 24-byte header, the vector, an id of about 10 bytes, padding to 8.
        long liveBytes = liveIds * ((24 + 4L * dimension + 10 + 7) / 8 * 8);
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("mutations", done);
        p.put("live_ids", liveIds);
        p.put("deleted_ids", shard.deletedCount());
        p.put("log_bytes", shard.logBytes());
        p.put("garbage_bytes", shard.garbageBytes());
        p.put("disk_bytes", disk);
        p.put("live_bytes", liveBytes);
        p.put("amplification", Math.round(100.0 * disk / liveBytes) / 100.0);
        System.out.printf("  %,10d mutations  live %,9d  log %,6.0f MB  garbage %,6.0f MB  disk %,6.0f MB  amplification %.2fx%n",
                done, liveIds, shard.logBytes() / 1e6, shard.garbageBytes() / 1e6, disk / 1e6, (double) disk / liveBytes);
        return p;
    }
}
