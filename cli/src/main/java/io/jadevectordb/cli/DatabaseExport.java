package io.jadevectordb.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.file.Path;

import io.jadevectordb.engine.StoreReader;
import io.jadevectordb.engine.metadata.MetadataFilter;

/** Streams every live vector of a database, with its metadata, as JSON Lines, shard by shard, with progress. */
final class DatabaseExport {

    private final Writer out;
    private final JsonLines lines;

    DatabaseExport(Writer out) {
        this.out = out;
        this.lines = new JsonLines(out);
    }

    /**
     * Writes the database to the output, advancing {@code progress} per vector.
     *
     * @return what the scan visited
     */
    StoreReader.ScanResult write(StoreReader reader, String database, Progress progress) throws IOException {
        StoreReader.ScanResult total = new StoreReader.ScanResult(0, 0);
        for (Path shard : reader.shardFiles(database)) {
            total = total.plus(reader.scanShard(database, shard, MetadataFilter.ALL, entry -> {
                lines.write(entry);
                progress.advance(1);
            }));
        }
        out.flush();
        return total;
    }

    /** Tells the user about entries skipped and metadata written raw (after the progress bar has ended its line). */
    void warn(PrintWriter err, String database, StoreReader.ScanResult result) {
        warnAboutSkipped(err, database, result);
        lines.warnAboutMalformedMetadata(err, database);
    }

    /** Tells the user about entries a scan skipped (after the progress bar has ended its line). */
    static void warnAboutSkipped(PrintWriter err, String database, StoreReader.ScanResult result) {
        if (result.unreadable() > 0) {
            err.println("jvdb: warning: skipped " + result.unreadable() + " entries of database '" + database + "' whose "
                    + "checksums do not match (a writer was rewriting them, or a crash tore them); run jvdb verify " + database);
        }
        if (result.malformedMetadata() > 0) {
            err.println("jvdb: warning: left out " + result.malformedMetadata() + " vectors of database '" + database + "' "
                    + "whose metadata is not well-formed CBOR, so the filter cannot be evaluated on them; jvdb dump " + database
                    + " shows them with their raw \"metadataBase64\"");
        }
    }
}
