package io.jadevectordb.bench.engine;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.jadevectordb.bench.Json;
import io.jadevectordb.bench.LogWrites;
import io.jadevectordb.engine.format.ShardFormat;
import io.jadevectordb.engine.io.FallocatePreallocator;
import io.jadevectordb.engine.io.Preallocator;

/**
 * The {@code engine-growth} suite: what growing a log costs, by preallocator, side by side in one
 * run. Each round writes {@code bench.growth.mib} MiB (default 1024) as a shard's log is written
 * ({@link LogWrites}) four times: grown by {@link Preallocator#FALLOCATE} (whose background
 * {@code PageCacheWarmer} reads the new range on another thread, not counted here), by the same
 * without it ({@link FallocatePreallocator#withoutWarming}), by {@link Preallocator#ZERO_FILL},
 * and sparse (no preallocation: the reference, which no durable
 * store may use because a full disk then strikes inside a mapping). The order rotates per round,
 * and each file is deleted before the next is written, so all but the round's first reuse the
 * page-cache pages the previous one freed (a server's steady state); the first of the first
 * round writes into memory the process never touched. Reports the writing thread's CPU per
 * 768-d record (3,112 bytes), of which in the preallocator, and writes
 * {@code engine-growth.json}. Never fails on a figure.
 */
public final class GrowthRun {

    private GrowthRun() {
    }

    public static void run(Path results) throws IOException {
        long mib = Long.getLong("bench.growth.mib", 1024);
        int rounds = Integer.getInteger("bench.growth.rounds", 3);
        long commitMs = Long.getLong("bench.growth.commitMs", 2000);
        int recordBytes = ShardFormat.recordLength(768 * Float.BYTES, "vec-1000000".length());
        long bytes = mib << 20;
        double records = (double) bytes / recordBytes;
        Path dir = Files.createDirectories(Path.of(System.getProperty("bench.growth.dir", "target/bench-data/growth")));
        List<String> modes = List.of("fallocate", "fallocate-cold", "zero-fill", "sparse");
        System.out.printf("Log growth: %,d MiB per pass, %d rounds, fdatasync every %d ms; fallocate callable here: %s%n", mib,
                rounds, commitMs, FallocatePreallocator.available());
        System.out.printf("  %-5s %-10s %14s %16s %10s%n", "round", "mode", "CPU/record", "of which growth", "wall");
        List<Map<String, Object>> passes = new ArrayList<>();
        for (int round = 0; round < rounds; round++) {
            for (int i = 0; i < modes.size(); i++) {
                String mode = modes.get((i + round) % modes.size());
                Preallocator growth = switch (mode) {
                    case "fallocate" -> Preallocator.FALLOCATE;
                    case "fallocate-cold" -> FallocatePreallocator.withoutWarming();
                    case "zero-fill" -> Preallocator.ZERO_FILL;
                    default -> null;
                };
                LogWrites.Cost cost = LogWrites.write(dir.resolve("growth-" + mode + ".bin"), growth, bytes, commitMs);
                Map<String, Object> pass = new LinkedHashMap<>();
                pass.put("round", round);
                pass.put("order_in_round", i);
                pass.put("mode", mode);
                pass.put("cpu_us_per_record", cost.cpuNanos() / 1e3 / records);
                pass.put("growth_cpu_us_per_record", cost.growthCpuNanos() / 1e3 / records);
                pass.put("wall_ms", cost.wallNanos() / 1e6);
                passes.add(pass);
                System.out.printf("  %-5d %-10s %11.2f us %13.2f us %7.0f ms%s%n", round, mode, (double) pass.get("cpu_us_per_record"),
                        (double) pass.get("growth_cpu_us_per_record"), (double) pass.get("wall_ms"),
                        round == 0 && i == 0 ? "  (first: memory never touched)" : "");
            }
        }
        Map<String, Object> summary = new LinkedHashMap<>();
        for (String mode : modes) {
            // The steady state: passes that reused freed pages (not the very first).
            double mean = passes.stream().filter(p -> p.get("mode").equals(mode))
                    .filter(p -> !((int) p.get("round") == 0 && (int) p.get("order_in_round") == 0))
                    .mapToDouble(p -> (double) p.get("cpu_us_per_record")).average().orElse(Double.NaN);
            summary.put(mode + "_cpu_us_per_record_reused_pages", mean);
        }
        System.out.printf("  reused pages, mean CPU per record of the writing thread: fallocate %.2f us (its warmer reads on "
                        + "another thread), fallocate-cold %.2f us, zero-fill %.2f us, sparse %.2f us%n",
                summary.get("fallocate_cpu_us_per_record_reused_pages"), summary.get("fallocate-cold_cpu_us_per_record_reused_pages"),
                summary.get("zero-fill_cpu_us_per_record_reused_pages"), summary.get("sparse_cpu_us_per_record_reused_pages"));
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("mib_per_pass", mib);
        out.put("record_bytes", recordBytes);
        out.put("commit_ms", commitMs);
        out.put("fallocate_available", FallocatePreallocator.available());
        out.put("passes", passes);
        out.put("summary", summary);
        Files.writeString(results.resolve("engine-growth.json"), Json.write(out));
        System.out.println("Written " + results.resolve("engine-growth.json"));
    }
}
