package io.jadevectordb.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import picocli.CommandLine.Command;

import io.jadevectordb.engine.StoreReader;

/** {@code jvdb ls}: databases and their shard files. */
@Command(name = "ls", mixinStandardHelpOptions = true, description = "List databases (name, dimension) and their shard files (read-only).")
final class LsCommand extends JvdbSubcommand {

    @Override
    public Integer call() throws Exception {
        StoreReader reader = reader();
        List<String> names = reader.databaseNames();
        if (names.isEmpty()) {
            err().println("no databases in " + app.dataDir());
        }
        for (String name : names) {
            List<Path> shards = reader.shardFiles(name);
            out().printf("%s  dimension %d  %d shard%s%n", name, reader.dimension(name), shards.size(), shards.size() == 1 ? "" : "s");
            for (Path shard : shards) {
                out().printf("  %-40s %10s%n", StoreReader.shardName(name, shard), ByteSizes.format(Files.size(shard)));
            }
        }
        out().flush();
        return ExitCodes.OK;
    }
}
