package io.jadevectordb.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import io.jadevectordb.engine.StoreReader;

/** {@code jvdb dump DATABASE}: every live vector to stdout as JSON Lines. */
@Command(name = "dump", mixinStandardHelpOptions = true, description = {"Write every live vector to stdout as JSON Lines: {\"id\":...,\"vector\":[...],\"metadata\":{...}} "
        + "(read-only; floats round-trip bit-exact; \"metadata\" only when the vector has some)."})
final class DumpCommand extends JvdbSubcommand {

    @Parameters(index = "0", paramLabel = "DATABASE")
    String database;

    @Override
    public Integer call() throws Exception {
        StoreReader reader = reader();
        long expected = reader.stats(database).liveCount();
        DatabaseExport export = new DatabaseExport(out());
        StoreReader.ScanResult result;
        try (Progress progress = progress("dump " + database, expected)) {
            result = export.write(reader, database, progress);
        }
        export.warn(err(), database, result);
        return ExitCodes.OK;
    }
}
