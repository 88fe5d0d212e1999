package io.jadevectordb.cli;

import java.util.List;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import io.jadevectordb.engine.DatabaseStats;
import io.jadevectordb.engine.ShardStats;
import io.jadevectordb.engine.StoreReader;

/** {@code jvdb stats}: per-database and per-shard figures from the shards' header pages. */
@Command(name = "stats", mixinStandardHelpOptions = true, description = {"Dimension, live and deleted counts, log and garbage bytes, index "
        + "capacity, file sizes, checkpoint offset and generation, clean/unclean state, per shard (read-only; figures are those "
        + "of each shard's newest checkpoint).",
        "unclean: a writer has the shard open now, or crashed; its next open recovers it."})
final class StatsCommand extends JvdbSubcommand {

    @Parameters(arity = "0..*", paramLabel = "DATABASE", description = "Databases to show (default: all).")
    List<String> databases;

    @Option(names = "--json", description = "One JSON object per shard instead of the table, for scripts.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        StoreReader reader = reader();
        for (String name : databasesOrAll(reader, databases)) {
            DatabaseStats db = reader.stats(name);
            if (json) {
                db.shards().forEach(shard -> out().println(toJson(db, shard)));
                continue;
            }
            out().printf("database %s: dimension %d, %d live, %d deleted, %d shard%s, %s%n", db.name(), db.dimension(),
                    db.liveCount(), db.deletedCount(), db.shards().size(), db.shards().size() == 1 ? "" : "s",
                    ByteSizes.format(db.fileBytes()));
            if (db.shards().isEmpty()) {
                continue;
            }
            out().printf("  %-24s %10s %10s %12s %12s %10s %12s %12s %10s  %s%n", "SHARD", "LIVE", "DELETED", "LOG", "GARBAGE",
                    "INDEX", "FILE", "CHECKPOINT", "GENERATION", "STATE");
            for (ShardStats s : db.shards()) {
                // INDEX comes from the shard's index snapshot; "-" when there is none of the current log.
                out().printf("  %-24s %10d %10d %12s %12s %10s %12s %12s %10d  %s%n", s.path().getFileName(), s.liveCount(),
                        s.deletedCount(), ByteSizes.format(s.logBytes()), ByteSizes.format(s.garbageBytes()),
                        s.indexCapacity() == 0 ? "-" : Long.toString(s.indexCapacity()), ByteSizes.format(s.fileBytes()),
                        s.checkpointOffset() < 0 ? "none" : Long.toString(s.checkpointOffset()), s.checkpointGeneration(),
                        (s.clean() ? "clean" : "unclean") + (s.released() ? ", released" : ""));
            }
        }
        out().flush();
        return ExitCodes.OK;
    }

    /** {@code {"database":...,"shard":...,"live":...}}: names as in the table, sizes in bytes, offset -1 and index 0 for none. */
    private static String toJson(DatabaseStats db, ShardStats s) {
        StringBuilder b = new StringBuilder("{\"database\":");
        JsonLines.appendString(b, db.name());
        b.append(",\"dimension\":").append(db.dimension()).append(",\"shard\":");
        JsonLines.appendString(b, s.path().getFileName().toString());
        return b.append(",\"live\":").append(s.liveCount()).append(",\"deleted\":").append(s.deletedCount())
                .append(",\"logBytes\":").append(s.logBytes()).append(",\"garbageBytes\":").append(s.garbageBytes())
                .append(",\"indexCapacity\":").append(s.indexCapacity())
                .append(",\"fileBytes\":").append(s.fileBytes()).append(",\"checkpointOffset\":").append(s.checkpointOffset())
                .append(",\"generation\":").append(s.checkpointGeneration()).append(",\"clean\":").append(s.clean())
                .append(",\"released\":").append(s.released()).append('}').toString();
    }
}
