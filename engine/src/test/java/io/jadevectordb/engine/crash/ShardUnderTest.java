package io.jadevectordb.engine.crash;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import io.jadevectordb.engine.Mutation;
import io.jadevectordb.engine.StoreOptions;

/**
 * The shard implementation the crash harness judges, reduced to the calls it needs. One
 * implementation per writable format version ({@link V2ShardUnderTest}; format 1 is only read,
 * by migration, and its crash images are fixtures), so the same workloads, images and checks
 * judge every version. A shard may consist of several files in
 * its directory (a log, an index, temporaries): images always cover the whole directory.
 */
public interface ShardUnderTest {

    /** For messages: "format v2". */
    String describe();

    /** Opens (creating or recovering) the shard {@code file} in {@code dir}, with all file I/O through {@code options}. */
    Handle openForWrite(Path dir, String file, int dimension, int maxIdBytes, StoreOptions options) throws IOException;

    /** Faults a verifier finds in the closed shard's files (empty when clean, or when no shard file exists). */
    List<String> verify(Path dir, String file, StoreOptions options) throws IOException;

    /** Compacts the closed shard, reclaiming deleted entries; false when the version has no compaction. */
    boolean compact(Path dir, String file, StoreOptions options) throws IOException;

    /** Whether compaction forgets deleted ids (format 1) or keeps them as tombstones (format 2). */
    default boolean compactionDropsDeleted() {
        return true;
    }

    /** An open shard. */
    interface Handle extends Closeable {

        Mutation.Outcome apply(Mutation mutation) throws IOException;

        /**
         * Compacts the open shard while it takes writes, running {@code during} between the
         * bulk copy and the swap; false when the version cannot (format 1).
         */
        default boolean compactWhile(Runnable during) throws IOException {
            return false;
        }

        void commit(long sourceOffset) throws IOException;

        /** The source offset the durable contents reflect (replay starts after it). */
        long checkpointOffset() throws IOException;

        /** Every live id and vector, by scan. */
        Map<String, float[]> scan();

        /** The metadata of every live id that has any, by scan. */
        Map<String, byte[]> metadata();

        /** The live vector of an id, or null. */
        float[] get(String id);

        long liveCount() throws IOException;

        long deletedCount() throws IOException;

        /** Drops the shard without forcing anything: a crash, as far as its files can tell. */
        void releaseQuietly();
    }
}
