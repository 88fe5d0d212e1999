package io.jadevectordb.engine;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import io.jadevectordb.engine.io.ShardFiles;

/**
 * Format 1 shard files written with the format 1 writer ({@link Shard}, package-private), for
 * the CLI's migration tests. It lives in the engine's package inside the CLI's test sources:
 * on the test class path both are loaded by the same class loader, so it may call the engine's
 * package-private API without making a format 1 writer public or shipping a test jar.
 */
public final class FormatOneShards {

    private static final StoreOptions OPTIONS = StoreOptions.defaults().withFlushInterval(Duration.ZERO);

    private FormatOneShards() {
    }

    /**
     * Writes {@code file} in format 1: each id of {@code stores} at offsets 0, 1, ... in map
     * order, then each of {@code deletes} deleted; commits at the last offset and closes cleanly.
     *
     * @return the committed offset
     */
    public static long write(Path file, int dimension, Map<String, float[]> stores, List<String> deletes) throws Exception {
        long offset = 0;
        try (Shard shard = Shard.openForWrite(file.getFileName().toString(), file, dimension, OPTIONS.maxIdBytes(), OPTIONS)) {
            for (Map.Entry<String, float[]> e : stores.entrySet()) {
                shard.apply(Mutation.store(e.getKey(), e.getValue(), offset++), ShardFormat.idBytes(e.getKey()));
            }
            for (String id : deletes) {
                shard.apply(Mutation.delete(id, offset++), ShardFormat.idBytes(id));
            }
            shard.commit(offset - 1);
        }
        return offset - 1;
    }

    /** Opens a format 1 file as its writer (holding its lock) until the result is closed. */
    public static AutoCloseable holdOpen(Path file, int dimension) throws Exception {
        return Shard.openForWrite(file.getFileName().toString(), file, dimension, OPTIONS.maxIdBytes(), OPTIONS);
    }

    /** The format version in a shard file's header. */
    public static int version(Path file) throws Exception {
        return io.jadevectordb.engine.format.ShardFormat.version(file, ShardFiles.readPrefix(file, 64)); // CHECKSTYLE:FQN format 1 and format 2 share this name
    }
}
