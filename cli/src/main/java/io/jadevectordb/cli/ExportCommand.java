package io.jadevectordb.cli;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import io.jadevectordb.engine.StoreReader;

/** {@code jvdb export DATABASE --out FILE}: as dump, into a file that appears only when complete. */
@Command(name = "export", mixinStandardHelpOptions = true, description = {"Write every live vector, with its metadata, to a JSON Lines file (read-only for the store).",
        "The file is written next to its destination and renamed into place when complete."})
final class ExportCommand extends JvdbSubcommand {

    @Parameters(index = "0", paramLabel = "DATABASE")
    String database;

    @Option(names = "--out", required = true, paramLabel = "FILE", description = "Destination file (.jsonl).")
    Path file;

    @Option(names = "--force", description = "Replace FILE when it exists.")
    boolean force;

    @Override
    public Integer call() throws Exception {
        if (Files.exists(file) && !force) {
            throw new FileAlreadyExistsException(file.toString(), null, "add --force to replace it");
        }
        StoreReader reader = reader();
        long expected = reader.stats(database).liveCount();
        Path absolute = file.toAbsolutePath();
        Path tmp = absolute.resolveSibling(absolute.getFileName() + ".tmp");
        boolean success = false;
        StoreReader.ScanResult result;
        DatabaseExport export;
        try {
            try (BufferedWriter writer = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8);
                 Progress progress = progress("export " + database, expected)) {
                export = new DatabaseExport(writer);
                result = export.write(reader, database, progress);
            }
            Files.move(tmp, absolute, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            success = true;
        } finally {
            if (!success) {
                deleteQuietly(tmp);
            }
        }
        export.warn(err(), database, result);
        out().println("exported " + result.visited() + " vectors of database '" + database + "' to " + file
                + " (" + ByteSizes.format(Files.size(absolute)) + ")");
        out().flush();
        return ExitCodes.OK;
    }

    private static void deleteQuietly(Path tmp) {
        try {
            Files.deleteIfExists(tmp);
        } catch (IOException e) {
            // the original failure is what the user needs to see
        }
    }
}
