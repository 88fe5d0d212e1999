package io.jadevectordb.cli;

import java.io.StringWriter;
import java.util.Optional;

import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code jvdb get DATABASE ID}: one vector as a JSON line. */
@Command(name = "get", mixinStandardHelpOptions = true, description = "Print the live vector of an id as one JSON line (read-only). Exit 1 when the id is absent.")
final class GetCommand extends JvdbSubcommand {

    @Parameters(index = "0", paramLabel = "DATABASE")
    String database;

    @Parameters(index = "1", paramLabel = "ID")
    String id;

    @Override
    public Integer call() throws Exception {
        Optional<float[]> vector = reader().get(database, id);
        if (vector.isEmpty()) {
            err().println("jvdb get: id '" + id + "' not found in database '" + database + "'");
            return ExitCodes.PROBLEM_FOUND;
        }
        StringWriter line = new StringWriter();
        new JsonLines(line).write(id, vector.get());
        out().print(line);
        out().flush();
        return ExitCodes.OK;
    }
}
