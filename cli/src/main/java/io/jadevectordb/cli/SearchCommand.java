package io.jadevectordb.cli;

import java.util.List;
import java.util.Locale;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import io.jadevectordb.engine.StoreReader;

/** {@code jvdb search DATABASE --vector ... --k N --metric M}: exact top-k by a full scan. */
@Command(name = "search", mixinStandardHelpOptions = true, description = {"Exact top-k nearest vectors by a brute-force scan of every live vector (read-only).",
        "Prints RANK, ID and SCORE (similarity for cosine and dot, distance for l2), best first."})
final class SearchCommand extends JvdbSubcommand {

    @Parameters(index = "0", paramLabel = "DATABASE")
    String database;

    @Option(names = "--vector", required = true, paramLabel = "FLOATS", description = "Query vector, comma-separated: 0.1,0.2,...")
    String vector;

    @Option(names = "--k", defaultValue = "10", paramLabel = "N", description = "How many results (default: ${DEFAULT-VALUE}).")
    int k;

    @Option(names = "--metric", defaultValue = "cosine", paramLabel = "METRIC",
            description = "cosine, dot or l2 (default: ${DEFAULT-VALUE}).")
    Metric metric;

    @Option(names = "--json", description = "Print results as JSON Lines with their vectors: {\"id\":...,\"score\":...,\"vector\":[...]}.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        float[] query = VectorParser.parse(vector);
        StoreReader reader = reader();
        int dimension = reader.dimension(database);
        if (query.length != dimension) {
            throw new IllegalArgumentException("--vector has " + query.length + " components but database '" + database
                    + "' has dimension " + dimension);
        }
        double queryNorm = Math.sqrt(Metric.dot(query, query));
        if (metric == Metric.COSINE && queryNorm == 0) {
            throw new IllegalArgumentException("--vector is all zeros: cosine similarity is undefined; use --metric dot or l2");
        }
        TopK top = new TopK(k);
        long expected = reader.stats(database).liveCount();
        StoreReader.ScanResult scanned;
        try (Progress progress = progress("search " + database, expected)) {
            scanned = reader.scan(database, (id, v) -> {
                top.offer(id, metric.score(query, queryNorm, v), v);
                progress.advance(1);
            });
        }
        DatabaseExport.warnAboutSkipped(err(), database, scanned);
        List<TopK.Hit> hits = top.best();
        if (json) {
            JsonLines lines = new JsonLines(out());
            for (TopK.Hit hit : hits) {
                lines.write(hit.id(), metric.display(hit.score()), hit.vector());
            }
        } else {
            out().printf(Locale.ROOT, "%-5s %-40s %s%n", "RANK", "ID", metric == Metric.L2 ? "DISTANCE" : "SCORE");
            for (int i = 0; i < hits.size(); i++) {
                out().printf(Locale.ROOT, "%-5d %-40s %.6f%n", i + 1, hits.get(i).id(), metric.display(hits.get(i).score()));
            }
        }
        out().flush();
        return ExitCodes.OK;
    }
}
