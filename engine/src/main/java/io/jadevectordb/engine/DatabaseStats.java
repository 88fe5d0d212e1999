package io.jadevectordb.engine;

import java.util.List;

/**
 * Figures of one database: the sums over its shards, and each shard's own.
 *
 * @param name         database name
 * @param dimension    vector dimension
 * @param liveCount    live ids over all shards
 * @param deletedCount soft-deleted ids over all shards
 * @param fileBytes    bytes on disk over all shards
 * @param shards       per-shard figures
 */
public record DatabaseStats(String name, int dimension, long liveCount, long deletedCount, long fileBytes,
                            List<ShardStats> shards) {
}
