package io.jadevectordb.cli;

import java.io.StringWriter;
import java.util.Optional;

import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import io.jadevectordb.engine.StoredVector;

/** {@code jvdb get DATABASE ID}: one vector, with its metadata, as a JSON line. */
@Command(name = "get", mixinStandardHelpOptions = true, description = "Print the live vector of an id, with its metadata, as one "
        + "JSON line (read-only). Exit 1 when the id is absent.")
final class GetCommand extends JvdbSubcommand {

    @Parameters(index = "0", paramLabel = "DATABASE")
    String database;

    @Parameters(index = "1", paramLabel = "ID")
    String id;

    @Override
    public Integer call() throws Exception {
        Optional<StoredVector> entry = reader().getEntry(database, id);
        if (entry.isEmpty()) {
            err().println("jvdb get: id '" + id + "' not found in database '" + database + "'");
            return ExitCodes.PROBLEM_FOUND;
        }
        StringWriter line = new StringWriter();
        JsonLines lines = new JsonLines(line);
        lines.write(entry.get());
        out().print(line);
        out().flush();
        lines.warnAboutMalformedMetadata(err(), database);
        return ExitCodes.OK;
    }
}
