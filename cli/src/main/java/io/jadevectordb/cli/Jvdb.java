package io.jadevectordb.cli;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.Callable;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

/**
 * {@code jvdb}, the operator CLI of a JadeVectorDB store. Every command is read-only and safe
 * while a sink writes the store, except {@code compact}, {@code migrate} and {@code drop}, which
 * take the shards' writer locks and refuse while a writer holds one.
 */
@Command(name = "jvdb", mixinStandardHelpOptions = true, versionProvider = Jvdb.Version.class,
        description = {"Inspect, verify, search and maintain a JadeVectorDB store.",
                "Read-only and safe while the sink writes, except compact, migrate and drop, which refuse while a writer holds a lock."},
        subcommands = {LsCommand.class, StatsCommand.class, GetCommand.class, DumpCommand.class, ExportCommand.class,
                VerifyCommand.class, SearchCommand.class, CompactCommand.class, MigrateCommand.class, DropCommand.class,
                CommandLine.HelpCommand.class},
        footer = {"", "Exit codes: 0 ok, 1 problem found (verify fault, id not found), 2 usage, 3 data directory or "
                + "database not found, 4 refused (a writer holds a lock), 5 I/O error or unreadable file."})
public final class Jvdb implements Callable<Integer> {

    @Option(names = "--data-dir", scope = ScopeType.INHERIT, defaultValue = "./data", paramLabel = "DIR",
            description = "The store's root directory, as the sink's data.dir (default: ${DEFAULT-VALUE}).")
    Path dataDir;

    @Spec
    CommandSpec spec;

    private final boolean progressEnabled;

    /**
     * @param progressEnabled draw progress bars on stderr (a terminal is attached)
     */
    public Jvdb(boolean progressEnabled) {
        this.progressEnabled = progressEnabled;
    }

    boolean progressEnabled() {
        return progressEnabled;
    }

    Path dataDir() {
        return dataDir;
    }

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return ExitCodes.USAGE;
    }

    /** The configured command line: error reporting, exit codes. Tests call this with their own writers. */
    public static CommandLine commandLine(Jvdb app) {
        CommandLine cli = new CommandLine(app);
        cli.setExecutionExceptionHandler(new ErrorReporter());
        cli.setCaseInsensitiveEnumValuesAllowed(true);
        // `search --filter @FILE` reads FILE as one JSON filter; picocli's @-files would split it into words first.
        cli.setExpandAtFiles(false);
        return cli;
    }

    public static void main(String[] args) {
        CommandLine cli = commandLine(new Jvdb(System.console() != null));
        // JSON Lines are UTF-8 whatever the platform's default encoding.
        cli.setOut(new PrintWriter(new OutputStreamWriter(new FileOutputStream(FileDescriptor.out), StandardCharsets.UTF_8)));
        cli.setErr(new PrintWriter(new OutputStreamWriter(new FileOutputStream(FileDescriptor.err), StandardCharsets.UTF_8), true));
        int code = cli.execute(args);
        cli.getOut().flush();
        System.exit(code);
    }

    /** Version from the jar manifest. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Jvdb.class.getPackage().getImplementationVersion();
            return new String[] {"jvdb " + (v == null ? "(development build)" : v) + ", Java " + System.getProperty("java.version")};
        }
    }
}
