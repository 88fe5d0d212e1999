package io.jadevectordb.engine;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import io.jadevectordb.engine.crash.ShardContents;
import io.jadevectordb.engine.crash.ShardUnderTest;
import io.jadevectordb.engine.verify.OfflineCompaction;
import io.jadevectordb.engine.verify.ShardVerifier;

/** Format v1 ({@link Shard}, {@link ShardVerifier}) for the crash harness. */
public final class V1ShardUnderTest implements ShardUnderTest {

    @Override
    public String describe() {
        return "format v1";
    }

    @Override
    public Handle openForWrite(Path dir, String file, int dimension, int maxIdBytes, StoreOptions options) throws IOException {
        Shard shard = Shard.openForWrite("crash/" + file, dir.resolve(file), dimension, maxIdBytes, options);
        return new Handle() {
            @Override
            public Mutation.Outcome apply(Mutation mutation) throws IOException {
                return shard.apply(mutation, ShardFormat.idBytes(mutation.id()));
            }

            @Override
            public void commit(long sourceOffset) throws IOException {
                shard.commit(sourceOffset);
            }

            @Override
            public long checkpointOffset() {
                return shard.checkpoint().sourceOffset();
            }

            @Override
            public Map<String, float[]> scan() {
                return ShardContents.visible(shard);
            }

            @Override
            public float[] get(String id) {
                return shard.get(ShardFormat.idBytes(id));
            }

            @Override
            public long liveCount() throws IOException {
                return shard.stats().liveCount();
            }

            @Override
            public long deletedCount() throws IOException {
                return shard.stats().deletedCount();
            }

            @Override
            public void releaseQuietly() {
                shard.releaseQuietly();
            }

            @Override
            public void close() throws IOException {
                shard.close();
            }
        };
    }

    @Override
    public List<String> verify(Path dir, String file, StoreOptions options) throws IOException {
        Path path = dir.resolve(file);
        if (!Files.exists(path)) {
            return List.of();
        }
        return ShardVerifier.verify("crash/" + file, path, options).faults().stream()
                .map(p -> p.where() + ": " + p.fault()).toList();
    }

    /** Format 1 has no compaction any more: {@link OfflineCompaction} upgrades a format 1 file to format 2 first. */
    @Override
    public boolean compact(Path dir, String file, StoreOptions options) {
        return false;
    }
}
