package io.jadevectordb.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.file.Path;

import io.jadevectordb.engine.StoreReader;

/** Streams every live vector of a database as JSON Lines, shard by shard, with progress. */
final class DatabaseExport {

    private DatabaseExport() {
    }

    /**
     * Writes the database to {@code out}, advancing {@code progress} per vector.
     *
     * @return what the scan visited
     */
    static StoreReader.ScanResult write(StoreReader reader, String database, Writer out, Progress progress)
            throws IOException {
        JsonLines lines = new JsonLines(out);
        long visited = 0;
        long unreadable = 0;
        for (Path shard : reader.shardFiles(database)) {
            StoreReader.ScanResult r = reader.scanShard(database, shard, (id, vector) -> {
                lines.write(id, vector);
                progress.advance(1);
            });
            visited += r.visited();
            unreadable += r.unreadable();
        }
        out.flush();
        return new StoreReader.ScanResult(visited, unreadable);
    }

    /** Tells the user about entries a scan skipped (after the progress bar has ended its line). */
    static void warnAboutSkipped(PrintWriter err, String database, StoreReader.ScanResult result) {
        if (result.unreadable() > 0) {
            err.println("jvdb: warning: skipped " + result.unreadable() + " entries of database '" + database + "' whose "
                    + "checksums do not match (a writer was rewriting them, or a crash tore them); run jvdb verify " + database);
        }
    }
}
