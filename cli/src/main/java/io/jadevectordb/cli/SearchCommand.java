package io.jadevectordb.cli;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import io.jadevectordb.engine.StoreReader;
import io.jadevectordb.engine.metadata.InvalidFilterException;
import io.jadevectordb.engine.metadata.MetadataFilter;

/** {@code jvdb search DATABASE --vector ... --k N --metric M [--filter F]}: exact top-k by a full scan. */
@Command(name = "search", mixinStandardHelpOptions = true, description = {"Exact top-k nearest vectors by a brute-force scan of every live vector (read-only).",
        "Prints RANK, ID and SCORE (similarity for cosine and dot, distance for l2), best first.",
        "With --filter, only vectors whose metadata matches are scored."})
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

    @Option(names = "--filter", paramLabel = "JSON|@FILE", description = {"Score only vectors whose metadata matches this filter "
            + "(Qdrant-shaped: must, should, must_not; match, range, exists), given inline or read from FILE. Example: "
            + "{\"must\":[{\"key\":\"lang\",\"match\":{\"value\":\"en\"}}]}"})
    String filter;

    @Option(names = "--json", description = "Print results as JSON Lines with their vectors and metadata: "
            + "{\"id\":...,\"score\":...,\"vector\":[...],\"metadata\":{...}}.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        float[] query = VectorParser.parse(vector);
        MetadataFilter metadataFilter = filter == null ? MetadataFilter.ALL : parseFilter(filter);
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
        StoreReader.ScanResult scanned = new StoreReader.ScanResult(0, 0);
        try (Progress progress = progress("search " + database, expected)) {
            for (Path shard : reader.shardFiles(database)) {
                StoreReader.ScanResult r = reader.scanShard(database, shard, metadataFilter, entry -> {
                    top.offer(entry.id(), metric.score(query, queryNorm, entry.vector()), entry.vector(), entry.metadata());
                    progress.advance(1);
                });
                // Entries the filter refused were read too: count them once their shard is done.
                progress.advance(r.filteredOut() + r.malformedMetadata());
                scanned = scanned.plus(r);
            }
        }
        DatabaseExport.warnAboutSkipped(err(), database, scanned);
        List<TopK.Hit> hits = top.best();
        if (json) {
            JsonLines lines = new JsonLines(out());
            for (TopK.Hit hit : hits) {
                lines.write(hit.id(), metric.display(hit.score()), hit.vector(), hit.metadata());
            }
            out().flush();
            lines.warnAboutMalformedMetadata(err(), database);
        } else {
            out().printf(Locale.ROOT, "%-5s %-40s %s%n", "RANK", "ID", metric == Metric.L2 ? "DISTANCE" : "SCORE");
            for (int i = 0; i < hits.size(); i++) {
                out().printf(Locale.ROOT, "%-5d %-40s %.6f%n", i + 1, hits.get(i).id(), metric.display(hits.get(i).score()));
            }
        }
        out().flush();
        return ExitCodes.OK;
    }

    /**
     * The filter given inline or, as {@code @FILE}, in a file. Picocli's own @-file expansion is
     * off ({@link Jvdb#commandLine}): it would split the file's JSON into words at whitespace.
     */
    private static MetadataFilter parseFilter(String given) throws IOException {
        if (!given.startsWith("@")) {
            return MetadataFilter.parse(given);
        }
        Path file = Path.of(given.substring(1));
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("--filter " + given + ": no such file; give the filter as JSON, or @FILE naming "
                    + "a file that holds it");
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException("--filter " + given + ": the file is not UTF-8 text; save the filter as UTF-8 JSON");
        }
        try {
            return MetadataFilter.parse(text);
        } catch (InvalidFilterException e) {
            throw new IllegalArgumentException("--filter " + given + ": " + e.getMessage(), e);
        }
    }
}
