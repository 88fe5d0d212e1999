package io.jadevectordb.cli;

import io.jadevectordb.engine.DatabaseNotFoundException;
import io.jadevectordb.engine.InvalidMutationException;
import io.jadevectordb.engine.ShardLockedException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.NoSuchFileException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;

/**
 * Turns an exception that ends a command into one line on stderr and an exit code: the
 * engine's messages already name the file, entry or setting at fault and the fix.
 */
final class ErrorReporter implements CommandLine.IExecutionExceptionHandler {

    private static final Logger LOG = LoggerFactory.getLogger(ErrorReporter.class);

    @Override
    public int handleExecutionException(Exception e, CommandLine commandLine, CommandLine.ParseResult parseResult) {
        Throwable cause = e instanceof UncheckedIOException ? e.getCause() : e;
        int code = exitCode(cause);
        String message = cause.getMessage();
        if (cause instanceof NoSuchFileException) {
            NoSuchFileException missing = (NoSuchFileException) cause;
            message = missing.getFile() + ": " + (missing.getReason() != null ? missing.getReason() : "no such file or directory");
        }
        commandLine.getErr().println("jvdb " + commandLine.getCommandName() + ": " + message);
        commandLine.getErr().flush();
        LOG.debug("{} failed", commandLine.getCommandName(), cause);
        return code;
    }

    static int exitCode(Throwable e) {
        if (e instanceof DatabaseNotFoundException || e instanceof NoSuchFileException) {
            return ExitCodes.NOT_FOUND;
        }
        if (e instanceof ShardLockedException) {
            return ExitCodes.LOCKED;
        }
        if (e instanceof InvalidMutationException || e instanceof IllegalArgumentException) {
            return ExitCodes.USAGE;
        }
        if (e instanceof IOException) {
            return ExitCodes.FAILED;
        }
        return ExitCodes.FAILED;
    }
}
