package io.jadevectordb.engine.shard;

import java.io.IOException;
import java.nio.file.Path;

import io.jadevectordb.engine.format.Checkpoint;
import io.jadevectordb.engine.format.ShardFormat;
import io.jadevectordb.engine.index.IdTable;
import io.jadevectordb.engine.index.IndexSnapshot;
import io.jadevectordb.engine.index.ShardIndex;
import io.jadevectordb.engine.io.FileIO;
import io.jadevectordb.engine.io.MappedFile;

/**
 * Brings a version 2 shard's index up to its committed end: the newest usable index snapshot,
 * then every committed record after it. What opening costs is therefore the records after the
 * snapshot, never the shard's size (the snapshot is mapped, not read).
 */
final class IndexLoader {

    /**
     * @param index       the index as of the committed end
     * @param snapshotEnd the log position the snapshot used covered ({@link ShardFormat#FIRST_RECORD} without one)
     * @param recordsRead records read after it
     */
    record Loaded(ShardIndex index, long snapshotEnd, long recordsRead) {
    }

    private IndexLoader() {
    }

    static Loaded load(String name, FileIO io, Path shard, ShardFormat format, MappedFile log,
                       Checkpoint checkpoint, long expectedVectors) throws IOException {
        IndexSnapshot snapshot = IndexSnapshot.open(io, name, shard, format.logId(), checkpoint.logEnd());
        ShardIndex index;
        long from;
        if (snapshot != null) {
            IdTable table = snapshot.table();
            if (!table.writable()) {
                IdTable copy = table.grow(name, table.capacity());
                table.close();
                table = copy;
            }
            index = new ShardIndex(name, format, table, log, snapshot.liveCount(), snapshot.deletedCount(),
                    snapshot.garbageBytes(), snapshot.entryHighWater());
            from = snapshot.coveredEnd();
        } else {
            IdTable table = IdTable.allocate(name, IdTable.capacityFor(expectedVectors));
            index = new ShardIndex(name, format, table, log, 0, 0, 0, -1);
            from = ShardFormat.FIRST_RECORD;
        }
        boolean success = false;
        try {
            long read = index.indexRange(from, checkpoint.logEnd());
            index.finishGrowth(); // opening may take the pause; the writer's inserts spread theirs
            success = true;
            return new Loaded(index, from, read);
        } finally {
            if (!success) {
                index.close();
            }
        }
    }
}
