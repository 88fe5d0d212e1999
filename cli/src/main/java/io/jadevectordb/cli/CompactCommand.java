package io.jadevectordb.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import io.jadevectordb.engine.ShardLockedException;
import io.jadevectordb.engine.StoreOptions;
import io.jadevectordb.engine.StoreReader;
import io.jadevectordb.engine.verify.OfflineCompaction;

/** {@code jvdb compact DATABASE}: rewrites each shard's log without its superseded records. */
@Command(name = "compact", mixinStandardHelpOptions = true, description = {"WRITE: rewrite each shard of a database with only the newest record "
        + "of every id (live vectors and tombstones) and swap it in atomically (same checkpoint offset; reclaims the space of "
        + "superseded records).",
        "Takes each shard's writer lock; a shard whose lock a writer holds is refused (exit 4) and left as is, the others "
        + "are compacted. A shard that crashed is recovered first, a format 1 shard upgraded first; a shard with faults is "
        + "refused (exit 5)."})
final class CompactCommand extends JvdbSubcommand {

    @Parameters(index = "0", paramLabel = "DATABASE")
    String database;

    @Override
    public Integer call() throws Exception {
        StoreReader reader = reader();
        List<Path> shards = reader.shardFiles(database);
        int refused = 0;
        int code = ExitCodes.OK;
        long before = 0;
        long after = 0;
        try (Progress progress = progress("compact " + database, shards.size())) {
            for (Path shard : shards) {
                String name = StoreReader.shardName(database, shard);
                try {
                    OfflineCompaction.Result r = OfflineCompaction.compact(name, shard, StoreOptions.defaults());
                    before += r.bytesBefore();
                    after += r.bytesAfter();
                    out().printf("compacted %s: %s -> %s (log %s -> %s; %d live, %d tombstones kept, %s of superseded records "
                                    + "dropped; checkpoint offset %s unchanged%s%s)%n", name, ByteSizes.format(r.bytesBefore()),
                            ByteSizes.format(r.bytesAfter()), ByteSizes.format(r.logBytesBefore()),
                            ByteSizes.format(r.logBytesAfter()), r.liveCount(), r.deletedKept(),
                            ByteSizes.format(r.garbageReclaimed()), r.sourceOffset() < 0 ? "none" : Long.toString(r.sourceOffset()),
                            r.migratedFirst() ? "; upgraded from format 1 first" : "",
                            r.recoveredFirst() ? "; recovered first, it was not closed cleanly" : "");
                } catch (ShardLockedException e) {
                    refused++;
                    code = Math.max(code, ExitCodes.LOCKED);
                    err().println("jvdb compact: refused " + name + ": " + e.getMessage());
                } catch (IOException e) {
                    // A damaged shard is left as it is; the others are still compacted.
                    refused++;
                    code = Math.max(code, ExitCodes.FAILED);
                    err().println("jvdb compact: " + e.getMessage());
                }
                progress.advance(1);
            }
        }
        out().printf("database %s: %d of %d shard%s compacted, %s reclaimed%n", database, shards.size() - refused, shards.size(),
                shards.size() == 1 ? "" : "s", ByteSizes.format(Math.max(0, before - after)));
        out().flush();
        return code;
    }
}
