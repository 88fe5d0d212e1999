package io.jadevectordb.engine.shard;

import java.io.IOException;
import java.nio.file.Path;

import io.jadevectordb.engine.ShardMigration;
import io.jadevectordb.engine.ShardStats;
import io.jadevectordb.engine.StoreOptions;

/**
 * The shard's only calls into format 1, in one place: a format 1 file is read for its checkpoint
 * and figures, and migrated to format 2 when opened for writing.
 */
final class FormatOne {

    private FormatOne() {
    }

    static long checkpointOffset(String name, Path path) throws IOException {
        return io.jadevectordb.engine.Shard.readCheckpoint(name, path).sourceOffset(); // CHECKSTYLE:FQN format 1 and format 2 share this name
    }

    static ShardStats statsOf(String name, Path path) throws IOException {
        return io.jadevectordb.engine.Shard.statsOf(name, path); // CHECKSTYLE:FQN format 1 and format 2 share this name
    }

    static void migrate(String name, Path path, StoreOptions options) throws IOException {
        ShardMigration.migrate(name, path, options);
    }
}
