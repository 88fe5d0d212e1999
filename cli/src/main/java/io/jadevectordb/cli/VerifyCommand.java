package io.jadevectordb.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import io.jadevectordb.engine.StoreOptions;
import io.jadevectordb.engine.StoreReader;
import io.jadevectordb.engine.verify.ShardProblem;
import io.jadevectordb.engine.verify.ShardReport;
import io.jadevectordb.engine.verify.ShardVerifier;

/** {@code jvdb verify [DATABASE...]}: checks every shard; exit 1 on any fault. */
@Command(name = "verify", mixinStandardHelpOptions = true, description = {"Check every shard: header and its checksum, both checkpoint copies, every "
        + "committed log record (length, type, lengths, checksum), the counts against the checkpoint, and the index snapshot "
        + "(checksums, log id, covered end, every entry against the log) (read-only).",
        "Prints one line per shard, then one line per finding naming file, position and fault. Exit 1 on any fault.",
        "NOTE lines need no action: a shard a writer has open or that crashed, a torn older checkpoint copy, a format 1 shard."})
final class VerifyCommand extends JvdbSubcommand {

    @Parameters(arity = "0..*", paramLabel = "DATABASE", description = "Databases to verify (default: all).")
    List<String> databases;

    @Option(names = "--faults-only", description = "Print only faults (and the summary), not notes or passing shards.")
    boolean faultsOnly;

    @Override
    public Integer call() throws Exception {
        StoreReader reader = reader();
        List<String> names = databasesOrAll(reader, databases);
        List<Path> shards = new ArrayList<>();
        List<String> shardNames = new ArrayList<>();
        for (String name : names) {
            for (Path shard : reader.shardFiles(name)) {
                shards.add(shard);
                shardNames.add(StoreReader.shardName(name, shard));
            }
        }
        long faults = 0;
        long notes = 0;
        List<String> lines = new ArrayList<>();
        try (Progress progress = progress("verify", shards.size())) {
            for (int i = 0; i < shards.size(); i++) {
                ShardReport report = verifyShard(shardNames.get(i), shards.get(i));
                faults += report.faults().size();
                notes += report.notes().size();
                lines.addAll(describe(report));
                progress.advance(1);
            }
        }
        lines.forEach(out()::println);
        out().printf("verified %d shard%s in %d database%s: %d fault%s, %d note%s%n", shards.size(), plural(shards.size()),
                names.size(), plural(names.size()), faults, plural(faults), notes, plural(notes));
        out().flush();
        return faults > 0 ? ExitCodes.PROBLEM_FOUND : ExitCodes.OK;
    }

    /** A file that cannot be read at all is one fault of that shard, not the end of the run. */
    private static ShardReport verifyShard(String name, Path file) {
        try {
            return ShardVerifier.verify(name, file, StoreOptions.defaults());
        } catch (IOException e) {
            return ShardReport.unreadable(name, file, "cannot be read: " + e);
        }
    }

    private List<String> describe(ShardReport report) {
        List<String> lines = new ArrayList<>();
        if (!faultsOnly || report.hasFaults()) {
            String status = report.hasFaults() ? "FAULT" : "OK   ";
            String summary = report.formatVersion() == 1 ? "format 1, not checked"
                    : report.checkpoint() == null ? "header unreadable"
                    : report.records() + " record" + plural(report.records()) + ", " + report.entries() + " id"
                    + plural(report.entries()) + ", checkpoint " + report.checkpointA() + ", " + report.checkpointB();
            lines.add(status + " " + report.file() + ": " + summary);
        }
        for (ShardProblem p : report.problems()) {
            if (!faultsOnly || p.severity() == ShardProblem.Severity.FAULT) {
                lines.add("  " + p);
            }
        }
        return lines;
    }

    private static String plural(long n) {
        return n == 1 ? "" : "s";
    }
}
