package io.jadevectordb.engine.crash;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.jadevectordb.engine.Mutation;
import io.jadevectordb.engine.StoreOptions;
import io.jadevectordb.engine.StoredVector;
import io.jadevectordb.engine.format.ShardFormat;
import io.jadevectordb.engine.io.ShardFiles;
import io.jadevectordb.engine.shard.Shard;
import io.jadevectordb.engine.verify.ShardVerifier;

/** Format 2 ({@link Shard}, {@link ShardVerifier}, {@link Shard#compact}) for the crash harness. */
public final class V2ShardUnderTest implements ShardUnderTest {

    @Override
    public String describe() {
        return "format v2";
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
            public boolean compactWhile(Runnable during) throws IOException {
                return shard.compact(during);
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
                Map<String, float[]> state = new HashMap<>();
                shard.scan(state::put);
                return state;
            }

            @Override
            public Map<String, byte[]> metadata() {
                Map<String, byte[]> state = new HashMap<>();
                for (String id : scan().keySet()) {
                    StoredVector entry = shard.getEntry(ShardFormat.idBytes(id));
                    if (entry != null && entry.metadata() != null) {
                        state.put(id, entry.metadata());
                    }
                }
                return state;
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

    @Override
    public boolean compactionDropsDeleted() {
        return false;
    }

    @Override
    public boolean compact(Path dir, String file, StoreOptions options) throws IOException {
        Path path = dir.resolve(file);
        ShardFormat format = ShardFormat.decode(path, ShardFiles.readPrefix(path, ShardFormat.PAGE_SIZE));
        try (Shard shard = Shard.openForWrite("crash/" + file, path, format.dimension(), format.maxIdBytes(), options)) {
            shard.compact();
        }
        return true;
    }
}
