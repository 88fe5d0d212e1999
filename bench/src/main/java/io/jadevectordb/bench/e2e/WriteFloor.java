package io.jadevectordb.bench.e2e;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import io.jadevectordb.bench.LogWrites;
import io.jadevectordb.engine.format.ShardFormat;
import io.jadevectordb.engine.io.FallocatePreallocator;

/**
 * The {@code writefloor} configuration: what writing the shards' bytes costs this machine by
 * itself, with no Kafka, Connect or sink code: as many records as the topic holds, each of the
 * length a shard gives it (header, vector, id), written as a shard's log is
 * ({@link LogWrites}, grown by fallocate without the background warm-up, so that all of it is
 * counted on the writing thread). Reported: this thread's CPU (user
 * and system) per record. No sink that stores the vectors can spend less than this; the sink's own
 * CPU above it is what its code costs. On a VM that returns freed memory to its host, most of it
 * is the first touch of new page-cache pages (docs/benchmarks.md, issue 18).
 */
final class WriteFloor {

    private WriteFloor() {
    }

    static Map<String, Object> run(Path dir, long records, int dimension, long commitMs) throws IOException {
        int recordLength = ShardFormat.recordLength(dimension * Float.BYTES, ("vec-" + records).length());
        long total = records * recordLength;
        // Without the background warm-up: the floor is all the CPU writing the bytes takes, on one thread.
        LogWrites.Cost cost = LogWrites.write(dir.resolve("writefloor.bin"), FallocatePreallocator.withoutWarming(), total,
                commitMs);
        double seconds = cost.wallNanos() / 1e9;
        double perRecord = cost.cpuNanos() / 1e3 / records;
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("configuration", "writefloor");
        row.put("description", "the shards' bytes alone: fallocate, 256 KiB pwrites, fdatasync per commit interval; "
                + "harness thread CPU (user + system)");
        row.put("records_per_s", records / seconds);
        row.put("mb_per_s", total / seconds / 1e6);
        row.put("seconds", seconds);
        row.put("record_bytes", recordLength);
        row.put("floor_cpu_us_per_record", perRecord);
        System.out.printf("  %-9s %,10.0f records/s over %.1f s, %.2f us of CPU per record (%d-byte records)%n", "writefloor",
                records / seconds, seconds, perRecord, recordLength);
        return row;
    }
}
