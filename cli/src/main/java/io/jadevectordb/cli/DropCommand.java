package io.jadevectordb.cli;

import java.time.Duration;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import io.jadevectordb.engine.DatabaseNotFoundException;
import io.jadevectordb.engine.DatabaseStats;
import io.jadevectordb.engine.StoreOptions;
import io.jadevectordb.engine.StoreReader;
import io.jadevectordb.engine.VectorStore;

/** {@code jvdb drop DATABASE --yes}: deletes a database directory. */
@Command(name = "drop", mixinStandardHelpOptions = true, description = {"WRITE: delete a database and all its shard files, for good. Needs --yes.",
        "Takes every shard's writer lock first; refused as a whole (exit 4, nothing deleted) while a writer holds one."})
final class DropCommand extends JvdbSubcommand {

    @Parameters(index = "0", paramLabel = "DATABASE")
    String database;

    @Option(names = "--yes", description = "Confirm the deletion.")
    boolean yes;

    @Override
    public Integer call() throws Exception {
        StoreReader reader = reader();
        DatabaseStats stats = reader.stats(database);
        if (!yes) {
            err().printf("jvdb drop: this deletes database '%s' (%d live vectors, %d shard files, %s) for good; "
                    + "add --yes to confirm%n", database, stats.liveCount(), stats.shards().size(), ByteSizes.format(stats.fileBytes()));
            return ExitCodes.USAGE;
        }
        try (VectorStore store = VectorStore.open(app.dataDir(), StoreOptions.defaults().withFlushInterval(Duration.ZERO))) {
            if (!store.deleteDatabase(database)) {
                throw new DatabaseNotFoundException(database, app.dataDir());
            }
        }
        out().printf("dropped database %s (%d live vectors, %d shard files, %s)%n", database, stats.liveCount(),
                stats.shards().size(), ByteSizes.format(stats.fileBytes()));
        out().flush();
        return ExitCodes.OK;
    }
}
