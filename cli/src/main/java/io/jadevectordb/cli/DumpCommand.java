package io.jadevectordb.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import io.jadevectordb.engine.StoreReader;

/** {@code jvdb dump DATABASE}: every live vector to stdout as JSON Lines. */
@Command(name = "dump", mixinStandardHelpOptions = true, description = {"Write every live vector to stdout as JSON Lines: {\"id\":...,\"vector\":[...]} "
        + "(read-only; floats round-trip bit-exact)."})
final class DumpCommand extends JvdbSubcommand {

    @Parameters(index = "0", paramLabel = "DATABASE")
    String database;

    @Override
    public Integer call() throws Exception {
        StoreReader reader = reader();
        long expected = reader.stats(database).liveCount();
        StoreReader.ScanResult result;
        try (Progress progress = progress("dump " + database, expected)) {
            result = DatabaseExport.write(reader, database, out(), progress);
        }
        DatabaseExport.warnAboutSkipped(err(), database, result);
        return ExitCodes.OK;
    }
}
