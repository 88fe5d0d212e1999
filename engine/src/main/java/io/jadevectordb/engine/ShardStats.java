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
 * @param logBytes             end of the shard's log (format 2), or data slots in use (format 1)
 * @param garbageBytes         log bytes of superseded records, which compaction reclaims
 * @param indexCapacity        hash-index entries (0 when read from the header alone)
 * @param checkpointGeneration generation of the newest checkpoint
 * @param checkpointOffset     source offset of the newest checkpoint, -1 when none
 * @param clean                true when the file was closed cleanly (no recovery needed)
 * @param released             true when its writer gave it up (partition revoked, or task stopped):
 *                             no writer keeps it current, and it may be behind its partition
 */
public record ShardStats(String name, Path path, long fileBytes, long liveCount, long deletedCount, long logBytes,
                         long garbageBytes, long indexCapacity, long checkpointGeneration, long checkpointOffset, boolean clean,
                         boolean released) {
}
