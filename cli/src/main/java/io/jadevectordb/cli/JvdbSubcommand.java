package io.jadevectordb.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.util.List;
import java.util.concurrent.Callable;

import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

import io.jadevectordb.engine.StoreReader;

/** The base of every jvdb subcommand: what they share: the store, its writers, progress on a terminal. */
abstract class JvdbSubcommand implements Callable<Integer> {

    @ParentCommand
    Jvdb app;

    @Spec
    CommandSpec spec;

    PrintWriter out() {
        return spec.commandLine().getOut();
    }

    PrintWriter err() {
        return spec.commandLine().getErr();
    }

    StoreReader reader() throws IOException {
        if (!Files.isDirectory(app.dataDir())) {
            throw new NoSuchFileException(app.dataDir().toString(), null, "no such data directory; point --data-dir at the "
                    + "directory the sink writes (its data.dir)");
        }
        return StoreReader.open(app.dataDir());
    }

    /** The named databases, or every database when none is named. */
    List<String> databasesOrAll(StoreReader reader, List<String> named) throws IOException {
        if (named != null && !named.isEmpty()) {
            for (String name : named) {
                reader.dimension(name); // fails early, naming the unknown database
            }
            return named;
        }
        return reader.databaseNames();
    }

    Progress progress(String label, long total) {
        return new Progress(err(), app.progressEnabled(), label, total);
    }
}
