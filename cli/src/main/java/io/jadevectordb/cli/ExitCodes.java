package io.jadevectordb.cli;

/** The exit codes of {@code jvdb}; docs/cli.md lists them for operators and scripts. */
public final class ExitCodes {

    /** The command did what was asked. */
    public static final int OK = 0;
    /** A definite negative answer: verify found a fault, get found no such id. */
    public static final int PROBLEM_FOUND = 1;
    /** Bad command line: unknown option, malformed vector, missing {@code --yes}, invalid name. */
    public static final int USAGE = 2;
    /** The data directory or the database does not exist. */
    public static final int NOT_FOUND = 3;
    /** A write command was refused because a writer (the sink) holds a shard's lock. */
    public static final int LOCKED = 4;
    /** An I/O error, or a file too damaged to read at all. */
    public static final int FAILED = 5;

    private ExitCodes() {
    }
}
