package io.jadevectordb.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import io.jadevectordb.engine.ShardLockedException;
import io.jadevectordb.engine.ShardMigrator;
import io.jadevectordb.engine.StoreOptions;
import io.jadevectordb.engine.StoreReader;

/** {@code jvdb migrate [DATABASE...]}: upgrades every format 1 shard to format 2 in place. */
@Command(name = "migrate", mixinStandardHelpOptions = true, description = {"WRITE: upgrade every format 1 shard of the databases (default: "
        + "all) to format 2 in place, crash-safely (same ids, vectors, deletes, source offsets and checkpoint offset); format 2 "
        + "shards are left alone.",
        "Takes each shard's writer lock; a shard whose lock a writer holds is refused (exit 4) and left as is, the others are "
        + "upgraded. A shard that crashed is recovered first. The sink upgrades a shard the same way when it opens it."})
final class MigrateCommand extends JvdbSubcommand {

    @Parameters(arity = "0..*", paramLabel = "DATABASE", description = "Databases to upgrade (default: all).")
    List<String> databases;

    @Override
    public Integer call() throws Exception {
        StoreReader reader = reader();
        int code = ExitCodes.OK;
        int migrated = 0;
        int current = 0;
        int refused = 0;
        for (String database : databasesOrAll(reader, databases)) {
            List<Path> shards = reader.shardFiles(database);
            try (Progress progress = progress("migrate " + database, shards.size())) {
                for (Path shard : shards) {
                    String name = StoreReader.shardName(database, shard);
                    try {
                        ShardMigrator.Result r = ShardMigrator.migrate(name, shard, StoreOptions.defaults());
                        if (r.outcome() == ShardMigrator.Outcome.ALREADY_CURRENT) {
                            current++;
                            out().printf("already format 2: %s%n", name);
                        } else {
                            migrated++;
                            out().printf("migrated %s: format 1 -> 2, %s -> %s (%d live, %d deleted, checkpoint offset %s "
                                            + "unchanged%s)%n", name, ByteSizes.format(r.bytesBefore()),
                                    ByteSizes.format(r.bytesAfter()), r.liveCount(), r.deletedCount(),
                                    r.sourceOffset() < 0 ? "none" : Long.toString(r.sourceOffset()),
                                    r.recoveredFirst() ? "; recovered first, it was not closed cleanly" : "");
                        }
                    } catch (ShardLockedException e) {
                        refused++;
                        code = Math.max(code, ExitCodes.LOCKED);
                        err().println("jvdb migrate: refused " + name + ": " + e.getMessage()
                                + "; stop the sink (it upgrades the shard itself when it opens it) and run migrate again");
                    } catch (IOException e) {
                        // A shard that cannot be upgraded is left as it is; the others still are.
                        refused++;
                        code = Math.max(code, ExitCodes.FAILED);
                        err().println("jvdb migrate: " + name + " not upgraded: " + e.getMessage());
                    }
                    progress.advance(1);
                }
            }
        }
        out().printf("%d shard%s migrated, %d already format 2, %d refused%n", migrated, migrated == 1 ? "" : "s", current, refused);
        out().flush();
        return code;
    }
}
