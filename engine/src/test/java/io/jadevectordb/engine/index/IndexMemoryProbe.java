package io.jadevectordb.engine.index;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import io.jadevectordb.engine.Database;
import io.jadevectordb.engine.Mutation;
import io.jadevectordb.engine.SourcePartition;
import io.jadevectordb.engine.StoreOptions;
import io.jadevectordb.engine.VectorStore;

/**
 * Run in a separate JVM by {@link IndexMemoryTest} (under a small {@code /dev/shm} or a small
 * direct memory limit): stores ids into a store and prints what happened on its last line.
 *
 * <ul>
 *   <li>{@code shards DIR}: three shards whose indexes are sized for 40,000 ids each, filled:
 *       prints {@code STORED} once all are committed.</li>
 *   <li>{@code grow DIR}: one shard, ids stored (committed every 1,000) until a store is refused:
 *       prints {@code REFUSED <committed ids> <message>} (or {@code NEVER REFUSED}), after checking
 *       that the shard still serves and accepts updates of every id it has.</li>
 * </ul>
 */
public final class IndexMemoryProbe {

    static final int IDS_PER_SHARD = 40_000;
    static final int GROW_LIMIT = 1_000_000;

    private IndexMemoryProbe() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[1]);
        try {
            if (args[0].equals("shards")) {
                shards(dir);
            } else {
                grow(dir);
            }
        } catch (Throwable t) {
            System.out.println("FAILED " + t);
            t.printStackTrace(System.out);
            System.out.flush();
            System.exit(1);
        }
        System.out.flush();
    }

    private static void shards(Path dir) throws IOException {
        StoreOptions options = StoreOptions.defaults().withFlushInterval(Duration.ZERO).withExpectedVectorsPerShard(IDS_PER_SHARD);
        try (VectorStore store = VectorStore.open(dir, options)) {
            SourcePartition source = new SourcePartition("t", 0);
            for (String db : List.of("a", "b", "c")) {
                store.createDatabase(db, 2);
                store.apply(db, source, List.of(Mutation.store("first", new float[] {0, 0}, 0)));
            }
            for (String db : List.of("a", "b", "c")) {
                List<Mutation> batch = new ArrayList<>();
                for (int i = 1; i <= IDS_PER_SHARD; i++) {
                    batch.add(Mutation.store("id-" + i, new float[] {i, i}, i));
                }
                store.apply(db, source, batch);
            }
            store.commit(source, IDS_PER_SHARD);
        }
        System.out.println("STORED");
    }

    private static void grow(Path dir) throws IOException {
        StoreOptions options = StoreOptions.defaults().withFlushInterval(Duration.ZERO);
        SourcePartition source = new SourcePartition("t", 0);
        try (VectorStore store = VectorStore.open(dir, options)) {
            store.createDatabase("a", 2);
            int committed = 0;
            String refusal = null;
            for (int i = 0; i < GROW_LIMIT && refusal == null; i++) {
                try {
                    store.apply("a", source, List.of(Mutation.store("id-" + i, new float[] {i, i}, i)));
                } catch (IOException e) {
                    refusal = e.getMessage();
                    break;
                }
                if (i % 1000 == 999) {
                    store.commit(source, i);
                    committed = i + 1;
                }
            }
            if (refusal == null) {
                System.out.println("NEVER REFUSED");
                return;
            }
            // The shard carries on over exactly what it had: every id readable, each updatable (an
            // update moves no entry, but every mutation steps a growth in progress over the table).
            Database db = store.database("a").orElseThrow();
            long offset = GROW_LIMIT;
            for (int i = 0; i < committed; i++) {
                float[] v = db.get("id-" + i).orElseThrow(() -> new AssertionError("lost an id after the refusal"));
                if (v[0] != i) {
                    throw new AssertionError("wrong vector for id-" + i);
                }
                store.apply("a", source, List.of(Mutation.update("id-" + i, new float[] {-i, -i}, offset++)));
            }
            store.commit(source, offset);
            System.out.println("REFUSED " + committed + " " + refusal);
        }
    }
}
