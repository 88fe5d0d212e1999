package io.jadevectordb.engine;

import java.nio.file.Path;

/**
 * Figures of one shard file.
 *
 * @param name                 {@code database/stream-partition.jvdb}
 * @param path                 the file
 * @param fileBytes            file size including preallocated space
 * @param liveCount            live ids
 * @param deletedCount         soft-deleted ids (space reclaimed by compaction)
 * @param slotCount            data slots in use
 * @param indexCapacity        hash-index entries
 * @param checkpointGeneration generation of the newest checkpoint
 * @param checkpointOffset     source offset of the newest checkpoint, -1 when none
 * @param clean                true when the file was closed cleanly (no recovery needed)
 */
public record ShardStats(String name, Path path, long fileBytes, long liveCount, long deletedCount, long slotCount,
                         int indexCapacity, long checkpointGeneration, long checkpointOffset, boolean clean) {
}
